//! An Aider markdown chat history through the agent's extractor.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    codercrucible_fuzz::extract_file("aider", "fuzz/.aider.chat.history.md", data);
});
