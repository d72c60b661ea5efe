//! What the fuzz targets share: a sink that throws sessions away (the fuzzer looks for panics, hangs and
//! runaway allocation), names for the files the inputs pretend to be, and fixture data loaded once.

use std::path::{Path, PathBuf};

use codercrucible::agents::{Problem, Sink};
use codercrucible::schema::Session;

/// Counts what came out, so the optimizer cannot skip building it.
#[derive(Default)]
pub struct Discard {
    pub sessions: usize,
    pub problems: usize,
}

impl Sink for Discard {
    fn session(&mut self, s: Session) {
        self.sessions += s.messages.len() + 1;
    }
    fn problem(&mut self, _: Problem) {
        self.problems += 1;
    }
}

/// A home that does not exist: the parsers look beside the file they are given (resumed sessions, project
/// markers), and find nothing, quickly.
pub const HOME: &str = "/nonexistent/codercrucible-fuzz";

/// `rel` under [`HOME`].
pub fn at(rel: &str) -> PathBuf {
    Path::new(HOME).join(rel)
}

/// A file under tests/fixtures.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(rel)
}
