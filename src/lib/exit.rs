//! The one table of exit codes every `cc-*` binary uses.
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | success (also when stdout was closed early, as by `| head`) |
//! | 1 | nothing matched (`cc-grep`), or a leak was found (`cc-scrub --check`) |
//! | 2 | usage error, input lines skipped as invalid, or any other error |

use std::process::ExitCode;

pub const SUCCESS: u8 = 0;
pub const NO_MATCH: u8 = 1;
pub const LEAK_FOUND: u8 = 1;
pub const FAILURE: u8 = 2;

/// The exit status of a run, ordered so that the worst outcome wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Success,
    /// No match, or a leak found: a definite answer, not an error.
    Negative,
    Failure,
}

impl Status {
    pub fn code(self) -> u8 {
        match self {
            Status::Success => SUCCESS,
            Status::Negative => NO_MATCH,
            Status::Failure => FAILURE,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        ExitCode::from(s.code())
    }
}
