#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 30) and prints the executions each reached. With RUNS=N set,
# runs each target for N executions instead (a campaign: RUNS=10000000). MAX_LEN caps an input's size
# (default 1 MiB; smaller inputs run much faster, and parser bugs rarely need big ones).
# Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain it runs with RUSTC_BOOTSTRAP=1.
# Built without a sanitizer by default (SANITIZER=address to change): the code under test is safe Rust, and
# what the fuzzers look for (panics, hangs, unbounded allocation) libFuzzer catches on its own, 2-3x faster.
# TRACE_COMPARES=0 builds without comparison tracing: 2-3x the executions per second (most of a target's time
# goes to the tracing hooks), at the cost of the fuzzer learning less from failed comparisons; for a campaign
# that must reach a number of executions, started from a corpus that already has the formats' keys.
# Seed corpora are built from tests/fixtures on first use (fuzz/corpus/TARGET, not committed).
# TIMEOUT (default 20) is the seconds one input may take before it counts as a hang: wall-clock seconds, so
# keep it well above any pause (a SIGSTOPped fuzzer times out when continued). FUZZ_ARGS adds libFuzzer flags:
# '-fork=1 -ignore_crashes=1' goes on past a known failure (the exit status is then the last job's, and every
# failing input is left in fuzz/artifacts/TARGET). Each run's log is kept in fuzz/artifacts/TARGET.log.
# Usage: scripts/fuzz_smoke.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scrubber ndjson claude_code codex gemini aider cursor_row zed_blob)
export RUSTC_BOOTSTRAP=1
san=${SANITIZER:-none}
build=(-O -s "$san")
[ "${TRACE_COMPARES:-1}" = 0 ] && build+=(--no-trace-compares)
if [ -n "${RUNS:-}" ]; then limit=(-runs="$RUNS"); else limit=(-max_total_time="$secs"); fi
fx=tests/fixtures/agents

seed() { # TARGET FILE...
    local dir=fuzz/corpus/$1; shift
    mkdir -p "$dir"
    for f in "$@"; do cp "$f" "$dir/$(sha1sum "$f" | cut -c1-16)"; done
}
seed_lines() { # TARGET FILE...: one seed per line
    local dir=fuzz/corpus/$1; shift
    mkdir -p "$dir"
    cat "$@" | while IFS= read -r l; do
        printf '%s' "$l" > "$dir/$(printf '%s' "$l" | sha1sum | cut -c1-16)"
    done
}
seed_sql() { # TARGET DB QUERY: one seed per row
    python3 - "$@" <<'PY'
import hashlib, os, sqlite3, sys
target, db, query = sys.argv[1:]
d = f"fuzz/corpus/{target}"
os.makedirs(d, exist_ok=True)
for (v,) in sqlite3.connect(f"file:{db}?mode=ro", uri=True).execute(query):
    b = v.encode() if isinstance(v, str) else bytes(v)
    open(os.path.join(d, hashlib.sha1(b).hexdigest()[:16]), "wb").write(b)
PY
}

for t in "${targets[@]}"; do
    [ -d "fuzz/corpus/$t" ] && continue
    case $t in
        scrubber) seed_lines "$t" tests/fixtures/scrub/*.ndjson ;;
        ndjson) seed "$t" tests/fixtures/scrub/*.ndjson $(find tests/fixtures/import -type f | head -20) ;;
        claude_code) seed "$t" $(find $fx/claude-code -name '*.jsonl') ;;
        codex) seed "$t" $(find $fx/codex -name '*.jsonl') ;;
        gemini) seed "$t" $(find $fx/gemini/home/.gemini/tmp -name '*.json*') ;;
        aider) seed "$t" $(find $fx/aider -name '*.md' -o -name '.aider.input.history') ;;
        cursor_row) seed_sql "$t" $fx/cursor/home/.config/Cursor/User/globalStorage/state.vscdb \
            "SELECT value FROM cursorDiskKV WHERE key LIKE 'composerData:%' OR key LIKE 'bubbleId:%'" ;;
        zed_blob) # the rows' data as stored, and the compressed ones' JSON (mutations of a zstd frame rarely
            # decode, so the JSON is what reaches the thread parser)
            seed_sql "$t" $fx/zed/home/.local/share/zed/threads/threads.db "SELECT data FROM threads"
            if command -v zstd >/dev/null; then
                for f in fuzz/corpus/$t/*; do zstd -qdc "$f" > "$f.json" 2>/dev/null || rm -f "$f.json"; done
            fi ;;
    esac
done

for t in "${targets[@]}"; do (cd fuzz && cargo fuzz build "${build[@]}" "$t" 2>&1 | tail -1) >&2; done
printf '%-12s %12s %10s %8s %8s %s\n' target executions exec/s wall_s corpus result
for t in "${targets[@]}"; do
    log=fuzz/artifacts/$t.log
    mkdir -p fuzz/artifacts
    status=ok
    start=$(date +%s)
    (cd fuzz && cargo fuzz run "${build[@]}" "$t" "corpus/$t" -- "${limit[@]}" -rss_limit_mb=2048 \
        -timeout="${TIMEOUT:-20}" -max_len="${MAX_LEN:-1048576}" -print_final_stats=1 ${FUZZ_ARGS:-}) >"$log" 2>&1 || status="FAILED (see $log, fuzz/artifacts/$t)"
    wall=$(($(date +%s) - start))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    if grep -q '^#[0-9]*: cov:' "$log"; then # fork mode: the parent's last count, and crashes ignored
        execs=$(grep -o '^#[0-9]*: cov:' "$log" | tail -1 | tr -dc 0-9)
        rate=$((execs / (wall > 0 ? wall : 1)))
        status="$status, $(grep -o 'oom/timeout/crash: [0-9/]*' "$log" | tail -1)"
    fi
    printf '%-12s %12s %10s %8s %8s %s\n' "$t" "$execs" "$rate" "$wall" "$(ls "fuzz/corpus/$t" | wc -l)" "$status"
    [ "$status" = ok ] || tail -30 "$log" >&2
done
