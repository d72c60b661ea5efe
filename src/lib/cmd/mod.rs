//! One module per binary. Each has `command()` (the clap definition, also used for man pages and
//! completions) and `main()` (what `src/bin/NAME.rs` calls).
pub mod extract;
pub mod format;
pub mod front;
pub mod grep;
pub mod index;
pub mod normalize;
pub mod scrub;
