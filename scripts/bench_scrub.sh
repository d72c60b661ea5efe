#!/usr/bin/env bash
# Throughput of cc-scrub (release build, every rule on, audit log written) against detect-secrets 1.5.0 and,
# when available, gitleaks, on the same generated input in one run. Prints MB/s and ratios.
# Env: MB (input size, default 50), BENCH_DIR (default /tmp/cc-bench-scrub), PEERS (default /tmp/cc-peers),
#      RUNS (best of N for cc-scrub, default 3), SKIP_PEERS=1 to time cc-scrub alone,
#      BASELINE=/path/to/an/older/cc-scrub to time it too (same input, same runs) and print the speed-up.
set -euo pipefail
MB=${MB:-50}
DIR=${BENCH_DIR:-/tmp/cc-bench-scrub}
PEERS=${PEERS:-/tmp/cc-peers}
RUNS=${RUNS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
# One directory per size: gitleaks scans the whole directory.
indir="$DIR/input-${MB}MB"
mkdir -p "$indir" "$DIR/xdg"
input="$indir/sessions.ndjson"
[ -s "$input" ] || python3 "$root/scripts/gen_scrub_corpus.py" "$input" "$MB"
bytes=$(stat -c %s "$input")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')

(cd "$root" && cargo build --release --quiet --bin cc-scrub)
bin="$root/target/release/cc-scrub"

now() { date +%s.%N; }
rate() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.1f", b / 1e6 / s }'; }
declare -A secs

# Best of RUNS: the machine is shared, so the fastest run is the least disturbed one. Also records the CPU
# seconds (user + sys) of that run in $DIR/cpu-j<threads>, a figure less sensitive to other load.
time_scrub() {
  local threads=$1 bin=${2:-$bin} tag=${3:-} best="" cpu=""
  for _ in $(seq "$RUNS"); do
    rm -f "$DIR/audit.ndjson"
    local t0 t1 d c
    t0=$(now)
    c=$( { TIMEFORMAT='%U %S'; time XDG_CONFIG_HOME="$DIR/xdg" XDG_STATE_HOME="$DIR/xdg" "$bin" -j "$threads" \
          --audit "$DIR/audit.ndjson" "$input" > "$DIR/out.ndjson"; } 2>&1 | awk '{ print $1 + $2 }')
    t1=$(now)
    d=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    if [ -z "$best" ] || awk -v d="$d" -v b="$best" 'BEGIN { exit !(d < b) }'; then best=$d; cpu=$c; fi
  done
  echo "$cpu" > "$DIR/cpu${tag}-j$threads"
  echo "$best"
}

echo "input: $input ($mb MB, $(wc -l < "$input") sessions); $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
t0=$(now); "$bin" --help > /dev/null; echo '{"meta":{"source_agent":"x","session_id":"y","schema_version":"1.0"},"messages":[]}' \
  | XDG_CONFIG_HOME="$DIR/xdg" XDG_STATE_HOME="$DIR/xdg" "$bin" --no-audit > /dev/null; t1=$(now)
echo "startup incl. rule compilation: $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }') s"
secs[cc-scrub-j1]=$(time_scrub 1)
secs[cc-scrub-j2]=$(time_scrub 2)
if [ -n "${BASELINE:-}" ]; then
  secs[baseline-j1]=$(time_scrub 1 "$BASELINE" -baseline)
  secs[baseline-j2]=$(time_scrub 2 "$BASELINE" -baseline)
fi
leaks=$(XDG_CONFIG_HOME="$DIR/xdg" XDG_STATE_HOME="$DIR/xdg" "$bin" --check "$DIR/out.ndjson" | tail -1 | cut -f2 || true)
echo "cc-scrub: $(grep -c '"kind":"secret"' "$DIR/audit.ndjson" || true) secrets, $(wc -l < "$DIR/audit.ndjson") replacements in all; findings left in its output (--check): ${leaks:-?}"

if [ -z "${SKIP_PEERS:-}" ]; then
  ds="$PEERS/detect-secrets/bin/detect-secrets"
  if [ ! -x "$ds" ]; then
    python3 -m venv "$PEERS/detect-secrets" && "$PEERS/detect-secrets/bin/pip" install -q detect-secrets==1.5.0 || true
  fi
  if [ -x "$ds" ]; then
    # From inside the input directory: run from a git work tree, detect-secrets skips untracked files.
    t0=$(now); (cd "$indir" && "$ds" scan --all-files sessions.ndjson > "$DIR/detect-secrets.json"); t1=$(now)
    secs[detect-secrets]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    echo "detect-secrets: $(python3 -c 'import json,sys; print(sum(len(v) for v in json.load(open(sys.argv[1]))["results"].values()))' "$DIR/detect-secrets.json") findings"
  else
    echo "detect-secrets 1.5.0: not installable here, skipped"
  fi
  gl=""
  for c in "$PEERS/gitleaks/bin/gitleaks" "$(command -v gitleaks || true)"; do [ -n "$c" ] && [ -x "$c" ] && gl=$c && break; done
  if [ -n "$gl" ]; then
    t0=$(now); "$gl" dir "$indir" --report-format json --report-path "$DIR/gitleaks.json" --exit-code 0 --no-banner > /dev/null 2>&1 || true; t1=$(now)
    secs[gitleaks]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    echo "gitleaks: $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$DIR/gitleaks.json") findings"
  else
    echo "gitleaks: not found (PATH or $PEERS/gitleaks; ../shared/bench/install_peers.sh gitleaks installs one), skipped"
  fi
fi

for j in 1 2; do
  echo "cc-scrub -j$j: $(cat "$DIR/cpu-j$j") CPU seconds, $(rate "$(cat "$DIR/cpu-j$j")") MB per CPU second"
  if [ -n "${BASELINE:-}" ]; then
    echo "baseline -j$j: $(cat "$DIR/cpu-baseline-j$j") CPU seconds, $(rate "$(cat "$DIR/cpu-baseline-j$j")") MB per CPU second"
  fi
done
base=${secs[cc-scrub-j2]}
printf '\n%-16s %10s %10s %26s\n' tool seconds MB/s "cc-scrub -j2 is N x faster"
for t in cc-scrub-j2 cc-scrub-j1 baseline-j2 baseline-j1 detect-secrets gitleaks; do
  [ -n "${secs[$t]:-}" ] || continue
  printf '%-16s %10.2f %10s %26s\n' "$t" "${secs[$t]}" "$(rate "${secs[$t]}")" \
    "$(awk -v a="${secs[$t]}" -v b="$base" 'BEGIN { printf "%.1f", a / b }')"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
