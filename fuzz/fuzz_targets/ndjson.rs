//! The NDJSON line reader and the v1 session parser, as every filter runs them.
#![no_main]
use codercrucible::cli::parse_line;
use codercrucible::io::LineReader;
use codercrucible::schema::Session;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for line in LineReader::from_reader("fuzz", std::io::Cursor::new(data.to_vec())) {
        let line = line.expect("in-memory input cannot fail to read");
        if let Ok(s) = parse_line::<Session>(&line) {
            // What parses must serialize and parse back to the same session.
            let text = serde_json::to_string(&s).unwrap();
            let back: Session = serde_json::from_str(&text).unwrap();
            assert_eq!(serde_json::to_string(&back).unwrap(), text);
        }
    }
});
