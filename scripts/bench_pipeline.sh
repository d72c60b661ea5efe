#!/usr/bin/env bash
# Throughput and peak memory of the streaming filters, next to `cat` and `jq -c .` on the same input, in one run.
#
#   scripts/bench_pipeline.sh [SIZE_MB ...]      (default: 100 1000)
#
# Generates synthetic v1 sessions (scripts/gen_sessions.py) into $BENCH_DIR (default /tmp/cc-bench), builds the
# release binaries, and prints for each tool: seconds, MB/s, speed relative to `jq -c .`, and peak RSS. Memory
# should stay flat as the input grows: compare the RSS column between sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-100 1000}")
[ $# -eq 0 ] && sizes=(100 1000)
dir=${BENCH_DIR:-/tmp/cc-bench}
mkdir -p "$dir"
cargo build --release --quiet --bin cc-normalize --bin cc-format
bin=target/release

# run NAME CMD...: prints one row; the command's stdout goes to /dev/null.
run() {
  local name=$1; shift
  local t
  t=$( { /usr/bin/time -f '%e %M' "$@" > /dev/null 2>/dev/null; } 2>&1 | tail -1)
  local secs=${t% *} kb=${t#* }
  awk -v n="$name" -v s="$secs" -v kb="$kb" -v b="$bytes" -v base="${jq_secs:-0}" 'BEGIN {
    s = (s < 0.01) ? 0.01 : s
    rel = (base > 0) ? sprintf("%.1fx", base / s) : "-"
    printf "  %-22s %8.2f s %9.1f MB/s %10s %9.1f MB\n", n, s, b / s / 1e6, rel, kb / 1024 }'
  last_secs=$secs
}

for size in "${sizes[@]}"; do
  input=$dir/sessions-$size.ndjson
  [ -s "$input" ] || python3 scripts/gen_sessions.py "$size" > "$input"
  bytes=$(stat -c %s "$input")
  cat "$input" > /dev/null   # warm the page cache
  echo "input: $input ($((bytes / 1000000)) MB), $(nproc) cores"
  printf "  %-22s %10s %14s %10s %12s\n" tool time throughput "vs jq" "peak RSS"
  jq_secs=0
  run "cat" cat "$input"
  run "jq -c ." jq -c . "$input"; jq_secs=$last_secs
  run "cc-normalize" "$bin/cc-normalize" -q "$input"
  run "cc-normalize --no-dedupe" "$bin/cc-normalize" -q --no-dedupe "$input"
  run "cc-format jsonl" "$bin/cc-format" jsonl "$input"
  run "cc-format chatml" "$bin/cc-format" chatml "$input"
  run "cc-format openai" "$bin/cc-format" openai "$input"
done
