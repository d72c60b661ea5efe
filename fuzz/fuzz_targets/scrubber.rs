//! The scrubber on arbitrary text, the way cc-scrub runs it (a session, both passes): no panic, and
//! scrubbing its own output changes nothing. With FUZZ_NO_IDEMPOTENCE=1 in the environment both passes
//! still run but only panics, hangs and runaway allocation count: for a campaign while an idempotence
//! finding is open (each input that shows it again would stop the fuzzer).
#![no_main]
use std::sync::OnceLock;

use codercrucible::schema::{Message, Meta, Role, Session};
use codercrucible::scrub::key::PseudonymKey;
use codercrucible::scrub::options::ScrubOptions;
use codercrucible::scrub::{Mode, Scrubber};
use libfuzzer_sys::fuzz_target;

fn scrubber() -> &'static Scrubber {
    static S: OnceLock<Scrubber> = OnceLock::new();
    S.get_or_init(|| {
        let opts = ScrubOptions {
            redact_usernames: vec!["alice".into()],
            redact: vec!["Acme Corp".into()],
            ..ScrubOptions::default()
        };
        Scrubber::new(&opts, PseudonymKey::from_bytes([3; 32]), None).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let s = scrubber();
    let mut session = Session::new(Meta::new("codex", "fuzz"));
    session.messages.push(Message::new(0, Role::User, text));
    s.scrub_session(&mut session, Mode::Scrub, false);
    let once = session.messages[0].content.clone();
    s.scrub_session(&mut session, Mode::Scrub, false);
    static CHECK: OnceLock<bool> = OnceLock::new();
    if *CHECK.get_or_init(|| std::env::var_os("FUZZ_NO_IDEMPOTENCE").is_none_or(|v| v != "1")) {
        assert_eq!(
            session.messages[0].content, once,
            "scrubbing scrubbed text changed it"
        );
    }
});
