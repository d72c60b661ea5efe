//! What the fuzz targets share: a private copy of a fixture home per process, and extraction of one source
//! with everything it produces thrown away (the fuzzer looks for panics, hangs and runaway allocation).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use codercrucible::agents::{self, Env, Problem, Sink, Source};
use codercrucible::schema::Session;

/// Counts what came out, so the optimizer cannot skip building it.
#[derive(Default)]
pub struct Discard {
    pub sessions: usize,
    pub problems: usize,
}

impl Sink for Discard {
    fn session(&mut self, s: Session) {
        self.sessions += s.messages.len() + 1;
    }
    fn problem(&mut self, _: Problem) {
        self.problems += 1;
    }
}

/// The fixture home of `agent` (tests/fixtures/agents/AGENT/home), copied once per process and kept (in a
/// static, so the leak checker sees it is still owned) until the fuzzer exits.
pub fn home(agent: &'static str) -> PathBuf {
    static HOMES: OnceLock<Mutex<Vec<(&'static str, tempfile::TempDir)>>> = OnceLock::new();
    let mut homes = HOMES.get_or_init(Default::default).lock().unwrap();
    if let Some((_, dir)) = homes.iter().find(|(a, _)| *a == agent) {
        return dir.path().to_path_buf();
    }
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/agents")
        .join(agent)
        .join("home");
    copy_dir(&from, dir.path());
    let p = dir.path().to_path_buf();
    homes.push((agent, dir));
    p
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Extracts the one source at `path` with `agent`; errors (an unreadable source) are fine, panics are not.
pub fn extract(agent: &str, home: &Path, path: PathBuf) -> Discard {
    let a = agents::find(agent).expect("a known agent");
    let env = Env::with_home(home);
    let mut sink = Discard::default();
    let _ = a.extract(&Source::at(path), &env, &mut sink);
    sink
}

/// Writes `data` at `rel` under the agent's private home and extracts that file.
pub fn extract_file(agent: &'static str, rel: &str, data: &[u8]) -> Discard {
    let home = home(agent);
    let path = home.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, data).unwrap();
    extract(agent, &home, path)
}

/// Stores `data` in the agent's fixture database with `sql` (one `?1` parameter) and extracts it.
pub fn extract_db_value(agent: &'static str, rel_db: &str, sql: &str, data: &[u8]) -> Discard {
    let home = home(agent);
    let db = home.join(rel_db);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(sql, [data]).unwrap();
    drop(conn);
    extract(agent, &home, db)
}
