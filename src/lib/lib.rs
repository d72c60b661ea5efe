//! CoderCrucible: turn AI coding-assistant conversations into one clean, anonymized, searchable dataset.
//!
//! Every binary in `src/bin` is a few lines over this library. The pipeline's one data type is
//! [`schema::Session`], carried one per line as NDJSON.

pub mod schema;
pub mod agents;
pub mod time;
pub mod cli;
pub mod exit;
pub mod io;
pub mod cmd;
pub mod format;
pub mod code;
pub mod index;
pub mod search;
