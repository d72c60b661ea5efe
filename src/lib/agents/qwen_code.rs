//! TODO
use std::io;
use std::path::PathBuf;
use super::{Agent, Env, Sink, Source};
pub struct QwenCode;
impl Agent for QwenCode {
    fn name(&self) -> &'static str { "qwen-code" }
    fn roots(&self, _env: &Env) -> Vec<PathBuf> { Vec::new() }
    fn sources(&self, _env: &Env) -> Vec<Source> { Vec::new() }
    fn extract(&self, _s: &Source, _e: &Env, _k: &mut dyn Sink) -> io::Result<()> { Ok(()) }
}
