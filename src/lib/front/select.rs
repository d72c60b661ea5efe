//! Which agents and which home a front command reads: `--source` flags, else the config's `sources`, else
//! every agent; `--home DIR` as in cc-extract.

use std::path::PathBuf;

use anyhow::bail;

use crate::agents::{self, Agent, Env};
use crate::config::Config;

/// The agents named on the command line, else in the config, else all of them.
pub fn agents(flags: &[String], config: &Config) -> anyhow::Result<Vec<&'static dyn Agent>> {
    let names = if flags.is_empty() {
        &config.sources
    } else {
        flags
    };
    if names.is_empty() || names.iter().any(|n| n == "all") {
        return Ok(agents::all());
    }
    let mut out: Vec<&'static dyn Agent> = Vec::new();
    for name in names {
        let Some(a) = agents::find(name) else {
            let known: Vec<&str> = agents::all().iter().map(|a| a.name()).collect();
            bail!("unknown agent {name:?} (known: {})", known.join(", "));
        };
        if !out.iter().any(|o| o.name() == a.name()) {
            out.push(a);
        }
    }
    Ok(out)
}

/// The environment the agents are looked for in.
pub fn env(home: Option<&PathBuf>, scan: &[PathBuf]) -> anyhow::Result<Env> {
    let mut env = match home {
        Some(h) if !h.is_dir() => bail!("--home {}: not a directory", h.display()),
        // Absolute, so project paths derived from file locations (Aider, Crush) are absolute too.
        Some(h) => Env::with_home(std::path::absolute(h)?),
        None => Env::from_process(),
    };
    env.scan = scan.to_vec();
    Ok(env)
}
