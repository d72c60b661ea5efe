#!/usr/bin/env bash
# The tools composed with each other and with jq, on the sample sessions. Run from the repository root after
# `cargo build --release` (or set BIN to where the binaries are).
set -euo pipefail
BIN=${BIN:-target/release}
export PATH="$BIN:$PATH"
in=examples/sessions.ndjson

echo "# validate against the v1 schema"
cc-normalize --check "$in"

echo "# normalize, then keep only sessions scoring 0.6 or more, as ChatML"
cc-normalize "$in" | jq -c 'select(.meta.quality_score >= 0.6)' | cc-format chatml | head -20

echo "# tool calls per agent"
cc-normalize "$in" | jq -r '[.meta.source_agent, ([.messages[].annotations.tool_calls | length] | add)] | @tsv'

echo "# OpenAI fine-tuning rows without reasoning"
cc-normalize "$in" | cc-format openai --no-thinking | jq -c '{turns: (.messages | length)}'
