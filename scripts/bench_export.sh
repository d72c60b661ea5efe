#!/usr/bin/env bash
# `codercrucible export` (extract → normalize → scrub with every rule on → JSONL) against dataclaw 0.4.2's
# local export, on the same synthetic Claude Code home, in one run; prints both times and the ratio.
#
#   scripts/bench_export.sh [WORK_DIR]      (default WORK_DIR: target/bench-export)
#   env: PROJECTS/SESSIONS/TURNS (home size; default 20/110/20, about 165 MB), BENCH_DIR (default
#        ../shared/bench: make_synthetic_home.py, run_dataclaw.sh), BIN (default: a release build), THREADS,
#        RUNS (alternating runs of each tool, best wall time kept; default 3)
#
# The home is generated once and reused. Both tools read it with the page cache warm (one untimed read
# first). dataclaw runs through run_dataclaw.sh (its own venv, no network); ours with the home as $HOME so
# both detect the same username, and its config, key and state in WORK_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-target/bench-export}; mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
BENCH_DIR=${BENCH_DIR:-../shared/bench}; BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
P=${PROJECTS:-20}; S=${SESSIONS:-110}; T=${TURNS:-20}
HOME_DIR=$WORK/home-$P-$S-$T/benchuser

if [ ! -d "$HOME_DIR/.claude" ]; then
  python3 "$BENCH_DIR/make_synthetic_home.py" "$HOME_DIR" --projects "$P" --sessions "$S" --turns "$T" >&2
fi
bytes=$(du -sb "$HOME_DIR/.claude/projects" | cut -f1)
echo "home: $HOME_DIR ($((bytes / 1000000)) MB of Claude Code logs)"
[ "$bytes" -ge 150000000 ] || echo "warning: the home is under 150 MB" >&2
cat "$HOME_DIR"/.claude/projects/*/*.jsonl >/dev/null   # warm the page cache for both

if [ -z "${BIN:-}" ]; then
  cargo build --release -q --bin codercrucible
  BIN=$PWD/target/release/codercrucible
fi

now() { date +%s.%N; }
cpu() { awk '{printf "%.2f", $1 + $2}' "$1"; }   # user + system seconds, children included
# One run of each; its wall seconds on stdout, user+system seconds in $WORK/<name>.cpu.
ours_once() {
  local st=$WORK/state t0 t1
  rm -rf "$st" "$WORK/cc.jsonl"*
  t0=$(now)
  env HOME="$HOME_DIR" XDG_CONFIG_HOME="$st/config" XDG_STATE_HOME="$st/state" \
    /usr/bin/time -o "$WORK/cc.cpu" -f "%U %S" \
    "$BIN" export --source claude-code ${THREADS:+-j "$THREADS"} -o "$WORK/cc.jsonl" 2>"$WORK/cc.log"
  t1=$(now)
  python3 -c "print(f'{$t1-$t0:.3f}')"
}
theirs_once() {
  local line
  line=$(/usr/bin/time -o "$WORK/dataclaw.cpu" -f "%U %S" "$BENCH_DIR/run_dataclaw.sh" "$HOME_DIR" "$WORK/dataclaw.jsonl" claude)
  echo "$line cpu_s=$(cpu "$WORK/dataclaw.cpu")" >&2
  echo "$line" | grep -oE 'wall_s=[0-9.]+' | cut -d= -f2
}

# Alternating runs, each tool's best wall time (and the CPU time of that run): on a shared machine the
# slowest runs measure the neighbours.
RUNS=${RUNS:-3}
best_ours=; best_theirs=; cpu_ours=; cpu_theirs=
for i in $(seq "$RUNS"); do
  w=$(ours_once)
  echo "run $i: codercrucible export wall ${w}s, cpu $(cpu "$WORK/cc.cpu")s" >&2
  if [ -z "$best_ours" ] || python3 -c "exit(not $w < $best_ours)"; then best_ours=$w; cpu_ours=$(cpu "$WORK/cc.cpu"); fi
  w=$(theirs_once)
  if [ -z "$best_theirs" ] || python3 -c "exit(not $w < $best_theirs)"; then best_theirs=$w; cpu_theirs=$(cpu "$WORK/dataclaw.cpu"); fi
done
sessions=$(grep -c '' "$WORK/cc.jsonl")
redactions=$(python3 -c "import json;print(sum(json.load(open('$WORK/cc.jsonl.export.json'))['redactions'].values()))")
echo "codercrucible export: best of $RUNS wall ${best_ours}s, cpu ${cpu_ours}s, $sessions sessions, $redactions redactions"
echo "dataclaw $(grep -c '' "$WORK/dataclaw.jsonl") sessions: best of $RUNS wall ${best_theirs}s, cpu ${cpu_theirs}s"
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
python3 -c "print(f'ratio (wall): dataclaw {$best_theirs:.2f}s / codercrucible {$best_ours:.2f}s = {$best_theirs/$best_ours:.1f}x')"
python3 -c "print(f'ratio (cpu):  dataclaw {$cpu_theirs:.2f}s / codercrucible {$cpu_ours:.2f}s = {$cpu_theirs/$cpu_ours:.1f}x')"
