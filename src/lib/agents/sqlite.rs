//! SQLite databases opened the safe way while their agent is running.
//!
//! A read-only connection on a database in WAL mode still wants to create or map the `-shm` file, and
//! `immutable=1` avoids that only by ignoring the write-ahead log, which loses the newest rows. So we take a
//! consistent snapshot instead: the database, its `-wal`, `-shm` and rollback `-journal` are copied into a private
//! temporary directory and opened there. The originals are only ever read, byte for byte; the copy replays the
//! WAL, and a hot journal rolls back a writer's unfinished transaction instead of letting us read its pages.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

/// How long a query waits for a lock held by another process before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A private, read-only-in-spirit copy of an agent's database. Dropping it removes the copy.
pub struct Snapshot {
    conn: Connection,
    // Keeps the copy alive as long as the connection.
    _dir: tempfile::TempDir,
}

impl Snapshot {
    /// Copies `db` (and its `-wal`/`-shm`/`-journal` companions, when present) and opens the copy.
    pub fn open(db: &Path) -> io::Result<Snapshot> {
        let dir = tempfile::Builder::new().prefix("cc-sqlite-").tempdir()?;
        let name = db.file_name().unwrap_or_else(|| "db".as_ref());
        let copy = dir.path().join(name);
        fs::copy(db, &copy)?;
        // After the database, so every page a writer has overwritten since has its original in the copied
        // rollback journal: the copy, with no writer holding a lock, rolls that hot journal back on open.
        for suffix in ["-wal", "-shm", "-journal"] {
            let side = companion(db, suffix);
            if side.is_file() {
                fs::copy(&side, companion(&copy, suffix))?;
            }
        }
        let conn = Connection::open_with_flags(
            &copy,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(to_io)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(to_io)?;
        // Fails early, with a clear message, on a file that is not a database.
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .map_err(to_io)?;
        Ok(Snapshot { conn, _dir: dir })
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Whether the database has a table called `name`.
    pub fn has_table(&self, name: &str) -> bool {
        self.conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [name],
                |_| Ok(()),
            )
            .is_ok()
    }
}

fn companion(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// SQLite errors as I/O errors, so extraction reports them like any unreadable file.
pub fn to_io(e: rusqlite::Error) -> io::Error {
    io::Error::other(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_that_live_only_in_the_wal_are_read_and_the_original_is_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("state.vscdb");
        let writer = Connection::open(&db).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0;
                 CREATE TABLE kv(key TEXT, value TEXT); INSERT INTO kv VALUES ('a', '1');",
            )
            .unwrap();
        writer
            .execute("INSERT INTO kv VALUES ('b', '2')", [])
            .unwrap();
        assert!(companion(&db, "-wal").metadata().unwrap().len() > 0);
        let before: Vec<Vec<u8>> = ["", "-wal", "-shm"]
            .iter()
            .map(|s| fs::read(companion(&db, s)).unwrap())
            .collect();

        let snap = Snapshot::open(&db).unwrap();
        let n: i64 = snap
            .conn()
            .query_row("SELECT count(*) FROM kv", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
        assert!(snap.has_table("kv"));
        assert!(!snap.has_table("nope"));
        drop(snap);

        let after: Vec<Vec<u8>> = ["", "-wal", "-shm"]
            .iter()
            .map(|s| fs::read(companion(&db, s)).unwrap())
            .collect();
        assert_eq!(before, after);
        drop(writer);
    }

    #[test]
    fn a_file_that_is_not_a_database_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        fs::write(
            &db,
            b"not a database, just text that is long enough to have a header",
        )
        .unwrap();
        assert!(Snapshot::open(&db).is_err());
    }
}
