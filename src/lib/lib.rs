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

/// Lets freed memory stay with the process rather than go back to the kernel once mimalloc's purge delay
/// passes: the filters free and allocate the same few megabytes session after session, and faulting in
/// fresh zeroed pages again cost `codercrucible export` over a tenth of its time. What a run holds is
/// bounded by its look-ahead, so keeping its high-water mark asks for nothing it did not use already.
pub fn keep_freed_memory() {
    // `mi_option_purge_delay` in mimalloc's `mi_option_e` (v2 and v3 alike); -1 is "never purge".
    const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;
    extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    // SAFETY: sets one of mimalloc's options (a plain store), before any thread is started.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}
