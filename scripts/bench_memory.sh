#!/usr/bin/env bash
# Peak RSS of each filter at two input sizes, and the ratio between them: a streaming filter's memory must
# not grow with its input (ratio near 1, whatever the sizes).
#
#   scripts/bench_memory.sh [SMALL_MB BIG_MB]        (default: 100 1000; SKIP_INDEX=1 leaves out cc-index)
#
# Inputs: synthetic v1 sessions (scripts/gen_sessions.py) for cc-normalize, cc-format and cc-scrub, and a
# synthetic Claude Code home (make_synthetic_home.py, from ../shared/bench or $MAKE_HOME) for cc-extract,
# cached in $BENCH_DIR (default /tmp/cc-bench). Builds the release binaries unless $BIN_DIR is given.
set -euo pipefail
cd "$(dirname "$0")/.."
small=${1:-100}
big=${2:-1000}
dir=${BENCH_DIR:-/tmp/cc-bench}
make_home=${MAKE_HOME:-../shared/bench/make_synthetic_home.py}
mkdir -p "$dir"
if [ -z "${BIN_DIR:-}" ]; then
  cargo build --release --quiet --bin cc-normalize --bin cc-format --bin cc-scrub --bin cc-extract --bin cc-grep \
    --bin cc-index
  BIN_DIR=target/release
fi

# A Claude home of about MB megabytes: 10 projects of 20-turn sessions (about 5 KB a turn).
claude_home() {
  local mb=$1 home=$dir/claude-home-$1
  if [ ! -d "$home/.claude" ]; then
    python3 "$make_home" "$home" --projects 10 --sessions $(( mb * 1000000 / (10 * 20 * 5000) + 1 )) --turns 20 >&2
  fi
  echo "$home"
}

# peak_kb CMD...: the command's peak resident set in KiB (stdout discarded, stderr in $dir/stderr.txt).
# The command's peak private (anonymous) memory, sampled from /proc every 50 ms, goes to $dir/anon.txt:
# the resident set also counts the pages of files it maps, which for cc-index means the index's own
# segment files while its final merge reads them (page cache, reclaimable, as large as the index).
peak_kb() {
  /usr/bin/time -o "$dir/time.txt" -f '%M' "$@" > /dev/null 2> "$dir/stderr.txt" &
  local timer=$! pid="" anon=0 a
  while kill -0 "$timer" 2>/dev/null; do
    [ -n "$pid" ] || pid=$(pgrep -P "$timer" | head -1 || true)
    if [ -n "$pid" ]; then
      a=$(awk '/^RssAnon/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
      [ -n "$a" ] && [ "$a" -gt "$anon" ] && anon=$a
    fi
    sleep 0.05
  done
  wait "$timer" || true
  echo "$anon" > "$dir/anon.txt"
  tail -1 "$dir/time.txt"
}

declare -A rss
for mb in "$small" "$big"; do
  input=$dir/sessions-$mb.ndjson
  [ -s "$input" ] || python3 scripts/gen_sessions.py "$mb" > "$input"
  home=$(claude_home "$mb")
  echo "size $mb MB: $(du -sm "$input" | cut -f1) MB of sessions, $(du -sm "$home/.claude" | cut -f1) MB Claude home"
  rss[normalize-$mb]=$(peak_kb "$BIN_DIR/cc-normalize" "$input")
  rss[format-$mb]=$(peak_kb "$BIN_DIR/cc-format" chatml "$input")
  rss[scrub-$mb]=$(peak_kb "$BIN_DIR/cc-scrub" --no-audit --no-local-identity --key-file "$dir/scrub.key" "$input")
  rss[extract-$mb]=$(peak_kb env -u CLAUDE_CONFIG_DIR "$BIN_DIR/cc-extract" claude-code --home "$home")
  rss[grep-$mb]=$(peak_kb "$BIN_DIR/cc-grep" --stream 'parser error' "$input")
  if [ -z "${SKIP_INDEX:-}" ]; then  # the slowest: minutes at 1 GB
    rm -rf "$dir/index-$mb"
    rss[index-$mb]=$(peak_kb "$BIN_DIR/cc-index" --index "$dir/index-$mb" "$input")
    rss[index-private-$mb]=$(cat "$dir/anon.txt")
    rm -rf "$dir/index-$mb"
  fi
done

printf '%-14s %14s %14s %8s\n' filter "RSS@${small}MB" "RSS@${big}MB" ratio
for f in normalize format scrub extract grep index index-private; do
  [ -n "${rss[$f-$small]:-}" ] || continue
  awk -v f="cc-$f" -v a="${rss[$f-$small]}" -v b="${rss[$f-$big]}" \
    'BEGIN { printf "%-14s %11.1f MB %11.1f MB %7.2fx\n", f, a / 1024, b / 1024, b / a }'
done
if [ -n "${rss[index-private-$small]:-}" ]; then
  echo "cc-index-private: its peak anonymous memory alone; the rest of cc-index's resident set is the index files"
  echo "mapped by the final merge (reclaimable page cache, the size of the index)"
fi
