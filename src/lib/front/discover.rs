//! `codercrucible discover`: every agent found, where, how many sessions, how big, which dates and projects,
//! and which sessions an agent is about to delete (Claude Code removes transcripts older than
//! `cleanupPeriodDays`, 30 by default).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::agents::{Agent, Env, Problem, Sink};
use crate::schema::Session;
use crate::time;

use super::human_bytes;

/// Days before the cleanup at which a session counts as at risk.
pub const RISK_WINDOW_DAYS: i64 = 7;

#[derive(Debug, Serialize)]
pub struct Found {
    pub agent: String,
    pub roots: Vec<PathBuf>,
    pub sources: usize,
    pub bytes: u64,
    pub sessions: u64,
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub projects: usize,
    pub problems: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<Cleanup>,
}

/// An agent's own deletion of old logs.
#[derive(Debug, Serialize)]
pub struct Cleanup {
    pub period_days: i64,
    /// Where the period was read (or `None` when it is the agent's default).
    pub setting: Option<PathBuf>,
    /// Sessions the agent will delete within [`RISK_WINDOW_DAYS`] days (or already may have).
    pub at_risk: u64,
}

#[derive(Default)]
struct Stats {
    sessions: u64,
    first: Option<i64>,
    last: Option<i64>,
    projects: BTreeSet<String>,
    problems: u64,
    /// Last activity per session, for the cleanup estimate.
    ends: Vec<i64>,
}

impl Sink for Stats {
    fn session(&mut self, s: Session) {
        self.sessions += 1;
        let m = &s.meta;
        if let Some(t) = m.start_time.or(m.end_time) {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
        }
        if let Some(t) = m.end_time.or(m.start_time) {
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
            self.ends.push(t);
        }
        if let Some(p) = m.project_path.as_ref().or(m.project_hash.as_ref()) {
            self.projects.insert(p.clone());
        }
    }
    fn problem(&mut self, _: Problem) {
        self.problems += 1;
    }
}

impl Stats {
    fn merge(mut self, o: Stats) -> Stats {
        self.sessions += o.sessions;
        self.first = [self.first, o.first].into_iter().flatten().min();
        self.last = [self.last, o.last].into_iter().flatten().max();
        self.projects.extend(o.projects);
        self.problems += o.problems;
        self.ends.extend(o.ends);
        self
    }
}

/// Looks at every agent (in parallel over their sources). Agents with nothing found are included with zeros.
pub fn discover(agents: &[&'static dyn Agent], env: &Env, now: i64) -> Vec<Found> {
    agents
        .iter()
        .map(|agent| {
            let sources = agent.sources(env);
            let stats = sources
                .par_iter()
                .map(|s| {
                    let mut st = Stats::default();
                    if agent.extract(s, env, &mut st).is_err() {
                        st.problems += 1;
                    }
                    st
                })
                .reduce(Stats::default, Stats::merge);
            let cleanup = (agent.name() == "claude-code" && stats.sessions > 0).then(|| {
                let (period_days, setting) = claude_cleanup_period(env);
                let cutoff = now - (period_days - RISK_WINDOW_DAYS) * 86_400;
                Cleanup {
                    period_days,
                    setting,
                    at_risk: stats.ends.iter().filter(|t| **t < cutoff).count() as u64,
                }
            });
            Found {
                agent: agent.name().to_string(),
                roots: agent
                    .roots(env)
                    .into_iter()
                    .filter(|r| r.exists())
                    .collect(),
                sources: sources.len(),
                bytes: sources.iter().map(|s| s.bytes).sum(),
                sessions: stats.sessions,
                first: stats.first,
                last: stats.last,
                projects: stats.projects.len(),
                problems: stats.problems,
                cleanup,
            }
        })
        .collect()
}

/// Claude Code's `cleanupPeriodDays` from its settings files (project-independent ones), else 30.
pub fn claude_cleanup_period(env: &Env) -> (i64, Option<PathBuf>) {
    let mut dirs: Vec<PathBuf> = match env.var("CLAUDE_CONFIG_DIR") {
        Some(d) => d.split(',').map(|d| PathBuf::from(d.trim())).collect(),
        None => vec![env.home_join(".claude")],
    };
    dirs.retain(|d| !d.as_os_str().is_empty());
    for d in dirs {
        for name in ["settings.local.json", "settings.json"] {
            let p = d.join(name);
            if let Some(days) = read_period(&p) {
                return (days, Some(p));
            }
        }
    }
    (30, None)
}

fn read_period(path: &Path) -> Option<i64> {
    let text = std::fs::read(path).ok()?;
    let v: Value = serde_json::from_slice(&text).ok()?;
    let d = v.get("cleanupPeriodDays")?;
    d.as_i64().or_else(|| d.as_f64().map(|f| f as i64))
}

/// The table people read.
pub fn print_table(found: &[Found], out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<12} {:>8} {:>9} {:>10}  {:<10} {:<10} {:>8}  WHERE",
        "AGENT", "SESSIONS", "SOURCES", "SIZE", "FIRST", "LAST", "PROJECTS"
    )?;
    let day = |t: Option<i64>| {
        t.map(|t| time::to_rfc3339(t)[..10].to_string())
            .unwrap_or_else(|| "-".into())
    };
    for f in found {
        let roots: Vec<String> = f.roots.iter().map(|r| r.display().to_string()).collect();
        writeln!(
            out,
            "{:<12} {:>8} {:>9} {:>10}  {:<10} {:<10} {:>8}  {}",
            f.agent,
            f.sessions,
            f.sources,
            human_bytes(f.bytes),
            day(f.first),
            day(f.last),
            f.projects,
            if roots.is_empty() {
                "(not found)".to_string()
            } else {
                roots.join(", ")
            }
        )?;
    }
    let total: u64 = found.iter().map(|f| f.sessions).sum();
    let agents = found.iter().filter(|f| f.sessions > 0).count();
    writeln!(out, "\n{total} sessions from {agents} agents.")?;
    for f in found {
        if let Some(c) = &f.cleanup {
            let from = match &c.setting {
                Some(p) => format!("cleanupPeriodDays = {} in {}", c.period_days, p.display()),
                None => format!("default cleanupPeriodDays = {}", c.period_days),
            };
            if c.at_risk > 0 {
                writeln!(
                    out,
                    "warning: {} {} session{} will be deleted by {} within {RISK_WINDOW_DAYS} days ({from}). \
                     Run `codercrucible archive` to keep a copy.",
                    c.at_risk,
                    f.agent,
                    if c.at_risk == 1 { "" } else { "s" },
                    f.agent,
                )?;
            } else {
                writeln!(out, "{}: no session near its deletion ({from}).", f.agent)?;
            }
        }
        if f.problems > 0 {
            writeln!(
                out,
                "note: {} source{} of {} could not be read in full (see `cc-extract {}`).",
                f.problems,
                if f.problems == 1 { "" } else { "s" },
                f.agent,
                f.agent
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleanup_period_is_read_from_settings_or_defaults_to_30() {
        let home = tempfile::tempdir().unwrap();
        let mut env = Env::with_home(home.path());
        env.vars.remove("CLAUDE_CONFIG_DIR");
        assert_eq!(claude_cleanup_period(&env), (30, None));
        std::fs::create_dir_all(home.path().join(".claude")).unwrap();
        let p = home.path().join(".claude/settings.json");
        std::fs::write(&p, r#"{"cleanupPeriodDays": 99}"#).unwrap();
        assert_eq!(claude_cleanup_period(&env), (99, Some(p)));
    }
}
