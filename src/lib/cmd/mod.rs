//! One module per binary. Each has `command()` (the clap definition, also used for man pages and
//! completions) and `main()` (what `src/bin/NAME.rs` calls).
pub mod format;
pub mod grep;
pub mod index;
