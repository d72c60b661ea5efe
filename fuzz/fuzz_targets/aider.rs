//! Aider files parsed in memory: the input as a chat history (with a fixture's input history for prompt
//! times), and as an input history (with that fixture's chat history).
#![no_main]
use std::sync::OnceLock;

use codercrucible::agents::aider::parse_history;
use codercrucible_fuzz::{at, fixture, Discard};
use libfuzzer_sys::fuzz_target;

fn fixture_files() -> &'static (Vec<u8>, Vec<u8>) {
    static F: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    F.get_or_init(|| {
        let dir = fixture("agents/aider/home/notes");
        (
            std::fs::read(dir.join(".aider.chat.history.md")).unwrap(),
            std::fs::read(dir.join(".aider.input.history")).unwrap(),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let (history, inputs) = fixture_files();
    let path = at("work/fuzz/.aider.chat.history.md");
    parse_history(data, inputs, &path, &mut Discard::default());
    parse_history(history, data, &path, &mut Discard::default());
});
