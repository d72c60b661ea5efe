#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 30) and prints the executions each reached. With RUNS=N set,
# runs each target for N executions instead (a campaign: RUNS=10000000). MAX_LEN caps an input's size
# (default 1 MiB; smaller inputs run much faster, and parser bugs rarely need big ones).
# Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain it runs with RUSTC_BOOTSTRAP=1.
# Built without a sanitizer by default (SANITIZER=address to change): the code under test is safe Rust, and
# what the fuzzers look for (panics, hangs, unbounded allocation) libFuzzer catches on its own, 2-3x faster.
# Seed corpora are built from tests/fixtures on first use (fuzz/corpus/TARGET, not committed).
# Usage: scripts/fuzz_smoke.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scrubber ndjson claude_code codex gemini aider cursor_row zed_blob)
export RUSTC_BOOTSTRAP=1
san=${SANITIZER:-none}
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
        aider) seed "$t" $(find $fx/aider -name '*.md') ;;
        cursor_row) seed_sql "$t" $fx/cursor/home/.config/Cursor/User/globalStorage/state.vscdb \
            "SELECT value FROM cursorDiskKV WHERE key LIKE 'composerData:%' OR key LIKE 'bubbleId:%'" ;;
        zed_blob) seed_sql "$t" $fx/zed/home/.local/share/zed/threads/threads.db \
            "SELECT data FROM threads WHERE data_type = 'zstd'" ;;
    esac
done

for t in "${targets[@]}"; do (cd fuzz && cargo fuzz build -O -s "$san" "$t" 2>&1 | tail -1) >&2; done
printf '%-12s %12s %10s %s\n' target executions exec/s result
for t in "${targets[@]}"; do
    log=$(mktemp)
    status=ok
    (cd fuzz && cargo fuzz run -O -s "$san" "$t" "corpus/$t" -- "${limit[@]}" -rss_limit_mb=2048 \
        -timeout=20 -max_len="${MAX_LEN:-1048576}" -print_final_stats=1) >"$log" 2>&1 || status="FAILED (see fuzz/artifacts/$t)"
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
    printf '%-12s %12s %10s %s\n' "$t" "$execs" "$rate" "$status"
    [ "$status" = ok ] || tail -30 "$log" >&2
    rm -f "$log"
done
