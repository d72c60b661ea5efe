//! One module per binary: `command()` (the clap definition) and the code that runs it.

pub mod extract;
