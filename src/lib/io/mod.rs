//! Streaming NDJSON plumbing shared by every filter.

pub mod buffers;
pub mod json;
pub mod ordered;
pub mod reader;
pub mod spool;
pub mod writer;

pub use buffers::Buffers;
pub use ordered::{default_threads, map_ordered};
pub use reader::{InputError, Line, LineReader};
