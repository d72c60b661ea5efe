//! IDE agents extracted from the fixture homes in `tests/fixtures/agents/<agent>/home`, checked against every
//! number in each fixture's EXPECTED.md, through the library (`Agent::sources` + `Agent::extract`).

#[path = "cc_extract_ide/common.rs"]
mod common;

#[path = "cc_extract_ide/cursor.rs"]
mod cursor;

#[path = "cc_extract_ide/zed.rs"]
mod zed;

#[path = "cc_extract_ide/continue_dev.rs"]
mod continue_dev;

#[path = "cc_extract_ide/copilot.rs"]
mod copilot;

#[path = "cc_extract_ide/cline.rs"]
mod cline;

#[path = "cc_extract_ide/windsurf.rs"]
mod windsurf;
