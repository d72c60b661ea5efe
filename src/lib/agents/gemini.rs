//! TODO
use std::io;
use std::path::PathBuf;
use super::{Agent, Env, Sink, Source};
pub struct Gemini;
impl Agent for Gemini {
    fn name(&self) -> &'static str { "gemini" }
    fn roots(&self, _env: &Env) -> Vec<PathBuf> { Vec::new() }
    fn sources(&self, _env: &Env) -> Vec<Source> { Vec::new() }
    fn extract(&self, _s: &Source, _e: &Env, _k: &mut dyn Sink) -> io::Result<()> { Ok(()) }
}
