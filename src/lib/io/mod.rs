//! Streaming NDJSON plumbing shared by every filter.

pub mod ordered;
pub mod reader;
pub mod spool;
pub mod writer;

pub use ordered::{default_threads, map_ordered};
pub use reader::{InputError, Line, LineReader};
