//! CoderCrucible: turn AI coding-assistant conversations into one clean, anonymized, searchable dataset.
//!
//! Every binary in `src/bin` is a few lines over this library. The pipeline's one data type is
//! [`schema::Session`], carried one per line as NDJSON.

pub mod agents;
pub mod cli;
pub mod cmd;
pub mod code;
pub mod config;
pub mod docs;
pub mod exit;
pub mod format;
pub mod front;
pub mod index;
pub mod io;
pub mod normalize;
pub mod schema;
pub mod scrub;
pub mod search;
pub mod time;
pub mod validate;

/// glibc's allocator returns large per-session buffers to the kernel and maps them again for the next session;
/// at hundreds of MB/s that costs as much system time as the parsing itself. mimalloc keeps them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
