//! Gemini CLI files parsed in memory: a JSON session file, a JSONL chat log, the prompt log.
#![no_main]
use std::sync::OnceLock;

use codercrucible::agents::gemini::parse_file;
use codercrucible::agents::Env;
use codercrucible_fuzz::{at, Discard, HOME};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    static ENV: OnceLock<Env> = OnceLock::new();
    let env = ENV.get_or_init(|| Env::isolated(HOME));
    for rel in [
        ".gemini/tmp/fuzz/chats/session-2025-01-01T00-00-0f0e0d0c.json",
        ".gemini/tmp/fuzz/chats/session-2025-01-01T00-00-0f0e0d0c.jsonl",
        ".gemini/tmp/fuzz/logs.json",
    ] {
        parse_file(data, &at(rel), env, &mut Discard::default());
    }
});
