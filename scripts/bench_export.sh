#!/usr/bin/env bash
# `codercrucible export` (extract → normalize → scrub with every rule on → JSONL) against dataclaw 0.4.2's
# local export, on the same synthetic Claude Code home, in one run; prints both times and the ratio.
#
#   scripts/bench_export.sh [WORK_DIR]      (default WORK_DIR: target/bench-export)
#   env: PROJECTS/SESSIONS/TURNS (home size; default 20/110/20, about 165 MB), BENCH_DIR (default
#        ../shared/bench: make_synthetic_home.py, run_dataclaw.sh), BIN (default: a release build), THREADS
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
st=$WORK/state; rm -rf "$st" "$WORK/cc.jsonl"*
t0=$(now)
env HOME="$HOME_DIR" XDG_CONFIG_HOME="$st/config" XDG_STATE_HOME="$st/state" \
  /usr/bin/time -o "$WORK/cc.cpu" -f "%U %S" \
  "$BIN" export --source claude-code ${THREADS:+-j "$THREADS"} -o "$WORK/cc.jsonl" 2>"$WORK/cc.log"
t1=$(now)
ours=$(python3 -c "print(f'{$t1-$t0:.3f}')")
sessions=$(grep -c '' "$WORK/cc.jsonl")
redactions=$(python3 -c "import json;print(sum(json.load(open('$WORK/cc.jsonl.export.json'))['redactions'].values()))")
echo "codercrucible export: wall ${ours}s, cpu $(cpu "$WORK/cc.cpu")s, $sessions sessions, $redactions redactions"

line=$(/usr/bin/time -o "$WORK/dataclaw.cpu" -f "%U %S" "$BENCH_DIR/run_dataclaw.sh" "$HOME_DIR" "$WORK/dataclaw.jsonl" claude)
echo "$line cpu_s=$(cpu "$WORK/dataclaw.cpu")"
theirs=$(echo "$line" | grep -oE 'wall_s=[0-9.]+' | cut -d= -f2)
echo "load average during the run: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
python3 -c "print(f'ratio (wall): dataclaw {float($theirs):.2f}s / codercrucible {float($ours):.2f}s = {float($theirs)/float($ours):.1f}x')"
python3 -c "print(f'ratio (cpu):  dataclaw $(cpu "$WORK/dataclaw.cpu")s / codercrucible $(cpu "$WORK/cc.cpu")s = {$(cpu "$WORK/dataclaw.cpu")/$(cpu "$WORK/cc.cpu"):.1f}x')"
