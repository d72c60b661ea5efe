#!/usr/bin/env bash
# Throughput and peak memory of the streaming filters, next to `cat` and `jq -c .` on the same input, in one run.
#
#   scripts/bench_pipeline.sh [SIZE_MB ...]      (default: 100 1000)
#
# Generates synthetic v1 sessions (scripts/gen_sessions.py) into $BENCH_DIR (default /tmp/cc-bench), builds the
# release binaries, and prints for each tool: wall seconds, MB/s, speed relative to `jq -c .`, CPU seconds
# (user + system: on a busy machine, MB per CPU-second says more than wall time) and peak RSS. Memory should
# stay flat as the input grows: compare the RSS column between sizes. The load average is printed per size.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ]; then sizes=("$@"); else sizes=(100 1000); fi
dir=${BENCH_DIR:-/tmp/cc-bench}
mkdir -p "$dir"
cargo build --release --quiet --bin cc-normalize --bin cc-format
bin=target/release

# run NAME CMD...: prints one row; the command's stdout goes to /dev/null.
run() {
  local name=$1; shift
  local t
  /usr/bin/time -o "$dir/time.txt" -f '%e %U %S %M' "$@" > /dev/null 2> "$dir/stderr.txt" ||
    { echo "  $name failed: $(tail -1 "$dir/stderr.txt")"; return; }
  local secs cpu_u cpu_s kb
  read -r secs cpu_u cpu_s kb < <(tail -1 "$dir/time.txt")
  awk -v n="$name" -v s="$secs" -v u="$cpu_u" -v sy="$cpu_s" -v kb="$kb" -v b="$bytes" -v base="${jq_secs:-0}" 'BEGIN {
    s = (s < 0.01) ? 0.01 : s; cpu = u + sy; cpu = (cpu < 0.01) ? 0.01 : cpu
    rel = (base > 0) ? sprintf("%.1fx", base / s) : "-"
    printf "  %-26s %7.2f s %8.1f MB/s %8s %7.2f s %8.1f MB/cpu-s %8.1f MB\n", n, s, b / s / 1e6, rel, cpu, b / cpu / 1e6, kb / 1024 }'
  last_secs=$secs
}

for size in "${sizes[@]}"; do
  input=$dir/sessions-$size.ndjson
  [ -s "$input" ] || python3 scripts/gen_sessions.py "$size" > "$input"
  bytes=$(stat -c %s "$input")
  cat "$input" > /dev/null   # warm the page cache
  echo "input: $input ($((bytes / 1000000)) MB), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  printf "  %-26s %9s %13s %8s %9s %15s %11s\n" tool wall throughput "vs jq" cpu "per cpu-second" "peak RSS"
  jq_secs=0
  run "cat" cat "$input"
  run "jq -c ." jq -c . "$input"; jq_secs=$last_secs
  run "cc-normalize" "$bin/cc-normalize" -q "$input"
  run "cc-normalize --no-dedupe" "$bin/cc-normalize" -q --no-dedupe "$input"
  run "cc-format jsonl" "$bin/cc-format" jsonl "$input"
  run "cc-format chatml" "$bin/cc-format" chatml "$input"
  run "cc-format openai" "$bin/cc-format" openai "$input"
done
