#!/usr/bin/env bash
# Instructions executed by `codercrucible export` (cachegrind, no cache simulation) on a small synthetic Claude
# Code home, for BIN and BASELINE in one invocation, with the ratio. On a shared machine wall-clock times of one
# binary vary by up to 2x within minutes; instruction counts repeat to about 0.05 %, so this tells a 1-2 %
# change apart where the timed benches (bench_export.sh) cannot. It counts work, not cache misses or waiting:
# confirm a change with the timed bench before calling it a speed-up.
#
#   scripts/count_instructions.sh [WORK_DIR]      (default WORK_DIR: target/count-instructions)
#   env: BIN (default: a release build), BASELINE (an older codercrucible, optional), PROJECTS/SESSIONS/TURNS
#        (home size; default 2/110/20, about 16 MB), BENCH_DIR (default ../shared/bench: make_synthetic_home.py)
#
# SHA-256 is counted apart: under valgrind the sha2 crate runs its portable code (valgrind hides the SHA
# extensions), many times its cost on the machine itself, so the comparison leaves it out.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "count_instructions.sh: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
WORK=${1:-target/count-instructions}; mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
BENCH_DIR=${BENCH_DIR:-../shared/bench}; BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
P=${PROJECTS:-2}; S=${SESSIONS:-110}; T=${TURNS:-20}
HOME_DIR=$WORK/home-$P-$S-$T/benchuser
if [ ! -d "$HOME_DIR/.claude" ]; then
  python3 "$BENCH_DIR/make_synthetic_home.py" "$HOME_DIR" --projects "$P" --sessions "$S" --turns "$T" >&2
fi
if [ -z "${BIN:-}" ]; then
  cargo build --release -q --bin codercrucible
  BIN=$PWD/target/release/codercrucible
fi

# Prints "<all instructions> <SHA-256 instructions>" for one binary.
count() {
  local name=$1 bin=$2 st=$WORK/state-$1 out=$WORK/cachegrind-$1.out
  rm -rf "$st"
  # One config dir (and so one pseudonym key) for both, so that their outputs compare.
  env HOME="$HOME_DIR" XDG_CONFIG_HOME="$WORK/config" XDG_STATE_HOME="$st" \
    valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$out" \
    "$bin" export --source claude-code -o "$WORK/out-$name.jsonl" 2>"$WORK/valgrind-$name.log" >/dev/null
  local all sha
  all=$(grep -E 'I +refs' "$WORK/valgrind-$name.log" | tr -d ',' | awk '{print $NF}')
  sha=$(cg_annotate --auto=no --threshold=0 "$out" | grep 'sha2::sha256' | tr -d ',' |
    awk '{s += $1} END {print s + 0}')
  echo "$all $sha"
}

echo "home: $HOME_DIR ($(du -sb "$HOME_DIR/.claude/projects" | cut -f1) bytes of Claude Code logs)"
read -r all sha < <(count bin "$BIN")
echo "codercrucible export ($BIN): $all instructions, $((all - sha)) without SHA-256"
if [ -n "${BASELINE:-}" ]; then
  read -r ball bsha < <(count baseline "$BASELINE")
  echo "baseline ($BASELINE): $ball instructions, $((ball - bsha)) without SHA-256"
  python3 -c "a, b = $((all - sha)), $((ball - bsha)); print(f'ratio without SHA-256: {a / b:.4f} ({100 * (a - b) / b:+.2f} %)')"
  # The stamps name the rule set by a hash, which any change to a rule's table changes.
  same() { sed 's/"rules":"[0-9a-f]*"//' "$1"; }
  if cmp -s <(same "$WORK/out-bin.jsonl") <(same "$WORK/out-baseline.jsonl"); then
    echo "outputs: identical"
  else
    echo "outputs: differ"
  fi
fi
