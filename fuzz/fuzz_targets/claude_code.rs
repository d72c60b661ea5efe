//! A Claude Code session file (JSONL records), parsed in memory as a main session and as a subagent's.
#![no_main]
use codercrucible::agents::claude_code::parse_jsonl;
use codercrucible_fuzz::{at, Discard};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let main = at(".claude/projects/-home-fuzz-p/0f0e0d0c-0b0a-4908-8706-050403020100.jsonl");
    let sub = at(".claude/projects/-home-fuzz-p/0f0e0d0c-0b0a-4908-8706-050403020100/subagents/agent-a1.jsonl");
    parse_jsonl(data, &main, &mut Discard::default());
    parse_jsonl(data, &sub, &mut Discard::default());
});
