use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use codercrucible::agents::{self, Env, Os, Problem, Sink};
use codercrucible::schema::{Message, Role, Session};

pub fn fixture_home(agent: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/agents")
        .join(agent)
        .join("home")
}

/// An environment rooted at `home` with no variables, on Linux (the fixtures' layout).
pub fn env_at(home: &Path) -> Env {
    let mut env = Env::with_home(home);
    env.vars.clear();
    env.os = Os::Linux;
    env
}

#[derive(Default)]
pub struct Collect {
    pub sessions: Vec<Session>,
    pub problems: Vec<Problem>,
}

impl Sink for Collect {
    fn session(&mut self, session: Session) {
        self.sessions.push(session);
    }
    fn problem(&mut self, problem: Problem) {
        self.problems.push(problem);
    }
}

/// Every session the agent extracts from `home`, through its sources in order.
pub fn extract_home(agent: &str, home: &Path) -> Collect {
    let a = agents::find(agent).unwrap_or_else(|| panic!("agent {agent} not registered"));
    let env = env_at(home);
    let mut out = Collect::default();
    for src in a.sources(&env) {
        a.extract(&src, &env, &mut out)
            .unwrap_or_else(|e| panic!("{}: {e}", src.path.display()));
    }
    // Every session survives the NDJSON round trip.
    for s in &out.sessions {
        let line = serde_json::to_string(s).unwrap();
        let back: Session = serde_json::from_str(&line).unwrap();
        assert_eq!(&back, s);
    }
    out
}

/// Extracts the shared fixture and checks that nothing under the home changed.
pub fn extract(agent: &str) -> Vec<Session> {
    let home = fixture_home(agent);
    let before = snapshot(&home);
    let out = extract_home(agent, &home);
    assert_eq!(
        before,
        snapshot(&home),
        "{agent}: the agent's files changed"
    );
    assert!(out.problems.is_empty(), "{agent}: {:?}", out.problems);
    out.sessions
}

/// Every file under `dir` with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), fs::read(&p).unwrap());
            }
        }
    }
    out
}

pub fn session<'a>(all: &'a [Session], id: &str) -> &'a Session {
    all.iter()
        .find(|s| s.meta.session_id == id)
        .unwrap_or_else(|| panic!("no session {id}"))
}

pub fn roles(s: &Session) -> Vec<Role> {
    s.messages.iter().map(|m| m.role).collect()
}

#[allow(dead_code)]
pub fn count(s: &Session, role: Role) -> usize {
    s.messages.iter().filter(|m| m.role == role).count()
}

pub fn tool_names(s: &Session) -> Vec<String> {
    s.messages
        .iter()
        .flat_map(|m| m.annotations.tool_calls.iter().map(|c| c.name.clone()))
        .collect()
}

pub fn all_text(s: &Session) -> String {
    serde_json::to_string(s).unwrap()
}

pub fn has_fence(m: &Message, lang: &str) -> bool {
    m.content.contains(&format!("```{lang}\n"))
}

/// Seconds for an RFC 3339 time.
pub fn secs(rfc3339: &str) -> i64 {
    codercrucible::time::parse_str(rfc3339).unwrap()
}

pub fn hash(path: &str) -> String {
    codercrucible::agents::vscode::project_hash(path)
}
