#!/usr/bin/env bash
# Search benchmark: cc-index / cc-grep against ripgrep and SQLite FTS5 on the same synthetic sessions.
#
# usage: scripts/bench_search.sh [MESSAGES]   (default 1000000; needs python3, a release build is made)
# Prints indexing MB/s (with AST facts), index size / NDJSON size, and per-query latency p50/p95 for
# cc-grep (in-process, from `cc-grep --queries`), SQLite FTS5 (bm25 top 10, same documents: one row per
# message) and rg (a full scan per query; rg finds lines, it does not rank), with ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES=${1:-1000000}
WORK=${BENCH_DIR:-$(mktemp -d /tmp/cc-bench-search.XXXXXX)}
mkdir -p "$WORK"
echo "bench dir: $WORK  messages: $MESSAGES"

cargo build --release --quiet --bin cc-index --bin cc-grep
BIN=target/release

NDJSON=$WORK/sessions.ndjson
QUERIES=$WORK/queries.txt
[ -s "$NDJSON" ] || python3 scripts/gen_search_sessions.py "$MESSAGES" "$NDJSON" "$QUERIES"
BYTES=$(stat -c %s "$NDJSON")
echo "corpus: $(wc -l < "$NDJSON") sessions, $MESSAGES messages, $BYTES bytes"

now() { date +%s.%N; }
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
rm -rf "$WORK/index"
t0=$(now)
/usr/bin/time -f "%U %S %M" -o "$WORK/index.cpu" "$BIN/cc-index" --index "$WORK/index" "$NDJSON"
t1=$(now)
INDEX_S=$(echo "$t1 - $t0" | bc -l)
read -r INDEX_USER INDEX_SYS INDEX_RSS < "$WORK/index.cpu"
INDEX_CPU=$(echo "$INDEX_USER + $INDEX_SYS" | bc -l)
INDEX_BYTES=$(du -sb "$WORK/index" | cut -f1)

"$BIN/cc-grep" --index "$WORK/index" --queries "$QUERIES" --limit 10 > "$WORK/cc.hits" 2> "$WORK/cc.timing" || true
cat "$WORK/cc.timing"
CC_P50=$(sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p' "$WORK/cc.timing")
CC_P95=$(sed -n 's/.*p95 \([0-9.]*\) ms.*/\1/p' "$WORK/cc.timing")
# Whole-process latency too (start, open, query, print), for the first 30 queries.
python3 - "$BIN/cc-grep" "$WORK/index" "$QUERIES" > "$WORK/proc.timing" <<'PY'
import subprocess, sys, time
binary, index, qfile = sys.argv[1:4]
qs = [l.strip() for l in open(qfile) if l.strip()][:30]
ts = []
for q in qs:
    t = time.perf_counter()
    subprocess.run([binary, "--index", index, "--json", q], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ts.append((time.perf_counter() - t) * 1000)
ts.sort()
print(f"{ts[len(ts)//2]:.2f} {ts[int(len(ts)*0.95)-1]:.2f}")
PY
read -r PROC_P50 PROC_P95 < "$WORK/proc.timing"

# SQLite FTS5 over the same documents: one row per message with its text, thinking, tool calls and output.
python3 - "$NDJSON" "$WORK/fts.db" "$QUERIES" > "$WORK/fts.timing" <<'PY'
import json, os, re, sqlite3, sys, time
nd, db, qfile = sys.argv[1:4]
if os.path.exists(db):
    os.remove(db)
t = time.perf_counter()
con = sqlite3.connect(db)
con.execute("CREATE VIRTUAL TABLE m USING fts5(title, body, tokenize='unicode61')")
def rows():
    for line in open(nd):
        s = json.loads(line)
        title = s["meta"].get("title") or ""
        for msg in s["messages"]:
            a = msg["annotations"]
            parts = [msg["content"], a.get("thinking") or ""] + a.get("file_refs", [])
            for c in a.get("tool_calls", []):
                parts += [c["name"], json.dumps(c["args"]), c.get("result") or ""]
            yield (title, "\n".join(parts))
con.executemany("INSERT INTO m VALUES (?, ?)", rows())
con.commit()
build = time.perf_counter() - t
ts = []
for q in open(qfile):
    words = [w for w in re.findall(r"\w+", " ".join(x for x in q.split() if ":" not in x))]
    if not words:
        continue
    fq = " OR ".join('"%s"' % w for w in words)
    t = time.perf_counter()
    con.execute("SELECT rowid FROM m WHERE m MATCH ? ORDER BY bm25(m) LIMIT 10", (fq,)).fetchall()
    ts.append((time.perf_counter() - t) * 1000)
ts.sort()
print(f"{build:.2f} {os.path.getsize(db)} {ts[len(ts)//2]:.3f} {ts[int(len(ts)*0.95)-1]:.3f}")
PY
read -r FTS_BUILD FTS_BYTES FTS_P50 FTS_P95 < "$WORK/fts.timing"

if command -v rg >/dev/null; then
    RG_TIMES=()
    while read -r q; do
        words=$(echo "$q" | tr ' ' '\n' | grep -v ':' | grep -v '^$' || true)
        [ -z "$words" ] && continue
        args=(); for w in $words; do args+=(-e "$w"); done
        t0=$(now); rg -c -i -F "${args[@]}" "$NDJSON" > /dev/null || true; t1=$(now)
        RG_TIMES+=("$(echo "($t1 - $t0) * 1000" | bc -l)")
    done < <(head -30 "$QUERIES")
    read -r RG_P50 RG_P95 < <(printf '%s\n' "${RG_TIMES[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.1f %.1f\n", a[int(NR/2)+1], a[int(NR*0.95)]}')
else
    RG_P50=NA; RG_P95=NA; echo "rg not installed: skipped (apt-get install ripgrep)"
fi

MB=$(echo "$BYTES / 1000000" | bc -l)
printf '\nload average: %s at the start, %s at the end (2 cores shared: wall-clock figures are noisy)\n' "$LOAD_BEFORE" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %12s %12s %12s\n' "" "cc-index/grep" "sqlite-fts5" "rg"
printf '%-28s %12.1f %12.1f %12s\n' "index build MB/s" "$(echo "$MB / $INDEX_S" | bc -l)" "$(echo "$MB / $FTS_BUILD" | bc -l)" "-"
printf '%-28s %12.1f %12s %12s\n' "index build MB/CPU-s" "$(echo "$MB / $INDEX_CPU" | bc -l)" "-" "-"
printf '%-28s %12.0f %12s %12s\n' "index build peak RSS MB" "$(echo "$INDEX_RSS / 1024" | bc -l)" "-" "-"
printf '%-28s %11.1f%% %11.1f%% %12s\n' "index size / NDJSON" "$(echo "100 * $INDEX_BYTES / $BYTES" | bc -l)" "$(echo "100 * $FTS_BYTES / $BYTES" | bc -l)" "-"
printf '%-28s %12s %12s %12s\n' "query p50 ms (in process)" "$CC_P50" "$FTS_P50" "$RG_P50"
printf '%-28s %12s %12s %12s\n' "query p95 ms (in process)" "$CC_P95" "$FTS_P95" "$RG_P95"
printf '%-28s %12s %12s %12s\n' "query p50/p95 ms (process)" "$PROC_P50/$PROC_P95" "-" "-"
if [ "$RG_P50" != NA ]; then
    printf 'ratios: fts5 p50 / cc p50 = %.1fx, rg p50 / cc p50 = %.0fx\n' "$(echo "$FTS_P50 / $CC_P50" | bc -l)" "$(echo "$RG_P50 / $CC_P50" | bc -l)"
fi
