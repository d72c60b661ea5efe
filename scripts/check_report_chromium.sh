#!/usr/bin/env bash
# Renders confirm's HTML report for the sample home in headless Chromium and checks that what the browser
# shows holds the counts (DOM dump), then writes a screenshot to look at.
#
#   scripts/check_report_chromium.sh [OUT_DIR]     (default OUT_DIR: target/report-check)
#
# Installs chromium with apt-get when it is missing and we are root. The browser runs with every background
# network feature off and a throwaway profile; the report itself loads nothing (CSP default-src 'none').
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-target/report-check}; rm -rf "$OUT"; mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ] && [ "$(id -u)" = 0 ]; then
  apt-get install -y chromium >/dev/null 2>&1 || true
  CHROME=$(command -v chromium || true)
fi
[ -n "$CHROME" ] || { echo "chromium not found and not installable here" >&2; exit 2; }

cargo build -q --bin codercrucible
BIN=$PWD/target/debug/codercrucible
export HOME=$OUT/user XDG_CONFIG_HOME=$OUT/config XDG_STATE_HOME=$OUT/state
unset XDG_DATA_HOME CLAUDE_CONFIG_DIR CODEX_HOME
mkdir -p "$HOME"
"$BIN" export --home examples/home -o "$OUT/export.jsonl" 2>"$OUT/export.log"
"$BIN" confirm --yes "$OUT/export.jsonl" >"$OUT/review.txt" 2>&1

flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --window-size=1200,1600)
"$CHROME" "${flags[@]}" --user-data-dir="$(mktemp -d)" --dump-dom "file://$OUT/export.jsonl.report.html" \
  >"$OUT/dom.html" 2>/dev/null
"$CHROME" "${flags[@]}" --user-data-dir="$(mktemp -d)" --screenshot="$OUT/report.png" \
  "file://$OUT/export.jsonl.report.html" >/dev/null 2>&1

python3 - "$OUT" <<'PY'
import json, re, sys
out = sys.argv[1]
rec = json.load(open(f"{out}/export.jsonl.export.json"))
dom = open(f"{out}/dom.html").read()
def shown(i):
    m = re.search(rf'id="{i}">(\d+)<', dom)
    return int(m.group(1)) if m else None
want = {"sessions": rec["sessions"], "redactions": sum(rec["redactions"].values()), "leaks": 0}
got = {k: shown(k) for k in want}
for kind, n in rec["redactions"].items():
    if not re.search(rf"<td>{kind}</td><td class=\"n\">{n}</td>", dom):
        sys.exit(f"redactions per kind: {kind}={n} not in the rendered page")
if got != want:
    sys.exit(f"rendered counts {got} != export record {want}")
if "Leak gate passed" not in dom:
    sys.exit("verdict missing from the rendered page")
print(f"ok: the rendered report shows {got}; screenshot: {out}/report.png")
PY
