#!/usr/bin/env bash
# Cursor extraction at scale: generates a Cursor home whose global state.vscdb holds SIZE_MB of cursorDiskKV rows
# (split-storage composers: composerData + bubbleId rows, one very large composer, and unrelated filler keys such
# as checkpoints and diffs, as real databases have), then times `cc-extract cursor --home` and reports peak RSS
# next to two baselines measured in the same run: reading the file once, and SQLite summing every value.
#
#   scripts/bench_cursor.sh [SIZE_MB]          (default 1024; the database is kept in scripts/out/ for reruns)
#   CC_EXTRACT=path/to/cc-extract scripts/bench_cursor.sh 256
set -euo pipefail
cd "$(dirname "$0")/.."

size_mb=${1:-1024}
out=scripts/out/bench_cursor_${size_mb}mb
home=$out/home
db=$home/.config/Cursor/User/globalStorage/state.vscdb
bin=${CC_EXTRACT:-target/release/cc-extract}

if [[ ! -x $bin ]]; then
    cargo build --release --bin cc-extract
fi
command -v /usr/bin/time >/dev/null || { echo "bench_cursor: needs /usr/bin/time (GNU time)" >&2; exit 2; }

if [[ ! -f $db ]]; then
    mkdir -p "$(dirname "$db")" "$home/.config/Cursor/User/workspaceStorage/0123456789abcdef0123456789abcdef"
    echo '{"folder": "file:///home/bench/projects/big"}' \
        >"$home/.config/Cursor/User/workspaceStorage/0123456789abcdef0123456789abcdef/workspace.json"
    start=$(date +%s.%N)
    python3 - "$db" "$size_mb" <<'PY'
import json, os, random, sqlite3, sys
db, size_mb = sys.argv[1], int(sys.argv[2])
target = size_mb * 1024 * 1024
rnd = random.Random(7)
words = ("the retry loop backs off with jitter so that the flaky test no longer measures wall clock time "
         "while the handler reads the config file and writes a summary").split()
def text(n):
    return " ".join(rnd.choice(words) for _ in range(n // 6))
con = sqlite3.connect(db)
con.executescript("""PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;
CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);
CREATE TABLE cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);""")
written = 0
composer = 0
headers = []
while written < target:
    cid = f"{composer:08x}-0000-4000-8000-{composer:012x}"
    # One composer in 200 is huge (2000 bubbles), the rest have 20-120.
    n = 2000 if composer % 200 == 7 else rnd.randint(20, 120)
    ids, rows = [], []
    for b in range(n):
        bid = f"{b:06d}-{rnd.getrandbits(32):08x}"
        user = b % 6 == 0
        bubble = {"_v": 3, "type": 1 if user else 2, "bubbleId": bid,
                  "createdAt": f"2025-03-{1 + composer % 28:02d}T10:{b // 60 % 60:02d}:{b % 60:02d}.000Z",
                  "text": text(600 if user else 1500)}
        if not user and b % 3 == 1:
            bubble["text"] = ""
            bubble["toolFormerData"] = {"name": "read_file_v2", "toolCallId": f"toolu_{bid}", "status": "completed",
                                        "params": json.dumps({"targetFile": "src/lib.rs"}),
                                        "result": json.dumps({"contents": text(3000)})}
        ids.append({"bubbleId": bid, "type": bubble["type"]})
        v = json.dumps(bubble)
        rows.append((f"bubbleId:{cid}:{bid}", v))
        # Filler that a reader must skip: checkpoints and diffs are about as large as the conversation.
        if b % 4 == 0:
            rows.append((f"checkpointId:{cid}:{bid}", json.dumps({"files": [text(2400)]})))
        written += len(v)
    con.executemany("INSERT INTO cursorDiskKV VALUES (?, ?)", rows)
    written += sum(len(r[1]) for r in rows if r[0].startswith("checkpointId"))
    data = {"_v": 10, "composerId": cid, "name": f"Composer {composer}", "createdAt": 1740000000000 + composer,
            "lastUpdatedAt": 1740000000000 + composer + 1000, "fullConversationHeadersOnly": ids,
            "conversationMap": {}, "modelConfig": {"modelName": "claude-4-sonnet"}}
    con.execute("INSERT INTO cursorDiskKV VALUES (?, ?)", (f"composerData:{cid}", json.dumps(data)))
    headers.append({"composerId": cid, "name": data["name"],
                    "workspaceIdentifier": {"id": "0123456789abcdef0123456789abcdef"}})
    composer += 1
    if composer % 20 == 0:
        con.commit()
        # Stop on the file's real size: values over a page spill into overflow pages.
        written = os.path.getsize(db)
con.execute("INSERT INTO ItemTable VALUES (?, ?)", ("composer.composerHeaders", json.dumps({"allComposers": headers})))
con.commit()
con.close()
print(f"composers: {composer}")
PY
    end=$(date +%s.%N)
    printf 'generated %s in %.1f s\n' "$db" "$(echo "$end - $start" | bc)"
fi

bytes=$(stat -c %s "$db")
printf 'database: %d MB\n' $((bytes / 1024 / 1024))

# Baseline 1: read the file once (page cache warm afterwards, like the runs that follow).
t0=$(date +%s.%N); cat "$db" >/dev/null; t1=$(date +%s.%N)
read_s=$(echo "$t1 - $t0" | bc)
# Baseline 2: SQLite visits every value once.
t0=$(date +%s.%N)
python3 -c "import sqlite3,sys; c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); print('values bytes:', c.execute('SELECT sum(length(value)) FROM cursorDiskKV').fetchone()[0])" "$db"
t1=$(date +%s.%N)
scan_s=$(echo "$t1 - $t0" | bc)

/usr/bin/time -v -o "$out/time.txt" "$bin" cursor --home "$home" >"$out/sessions.ndjson"
wall=$(grep 'Elapsed (wall clock)' "$out/time.txt" | awk '{print $NF}')
rss_kb=$(grep 'Maximum resident set size' "$out/time.txt" | awk '{print $NF}')
# m:ss.ss → seconds
extract_s=$(echo "$wall" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
sessions=$(wc -l <"$out/sessions.ndjson")
out_mb=$(( $(stat -c %s "$out/sessions.ndjson") / 1024 / 1024 ))
largest_kb=$(awk '{ if (length($0) > m) m = length($0) } END { print int(m / 1024) }' "$out/sessions.ndjson")

printf 'baseline read file:     %6.2f s\n' "$read_s"
printf 'baseline sqlite scan:   %6.2f s\n' "$scan_s"
printf 'cc-extract cursor:      %6.2f s  (%.2fx read, %.2fx scan)\n' "$extract_s" \
    "$(echo "$extract_s / $read_s" | bc -l)" "$(echo "$extract_s / $scan_s" | bc -l)"
printf 'sessions: %d, output %d MB, largest session %d KB\n' "$sessions" "$out_mb" "$largest_kb"
printf 'peak RSS: %d MB (%.2fx the largest session)\n' $((rss_kb / 1024)) "$(echo "$rss_kb / ($largest_kb + 1)" | bc -l)"
