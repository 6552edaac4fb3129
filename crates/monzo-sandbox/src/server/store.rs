//! The emulator's state on disk: SQLite in WAL mode (synchronous `NORMAL`: a crash of the
//! emulator loses nothing, a crash of the machine may lose the last requests), holding the keys, the seed, the
//! development CA, and the log of every request that changed state. The core is deterministic,
//! so replaying the log in order rebuilds the state exactly: a restart, or a crash after a
//! response was sent, loses nothing.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

use super::ServerError;

/// A recorded request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// When it arrived (RFC 3339).
    pub at: String,
    /// Method.
    pub method: String,
    /// Path and query.
    pub uri: String,
    /// Headers, as JSON pairs.
    pub headers: String,
    /// Body.
    pub body: Vec<u8>,
    /// The client certificate's subject, if any.
    pub client_dn: Option<String>,
}

/// The database.
pub struct Store {
    db: Connection,
}

fn db_err(e: rusqlite::Error) -> ServerError {
    ServerError::Storage(e.to_string())
}

impl Store {
    /// Opens (or creates) the database file in `dir`.
    ///
    /// The state holds the bank's and the development CA's private keys: the directory is made
    /// private (0700), and the database file readable by the owner only (0600; SQLite gives
    /// its `-wal` and `-shm` files the database's permissions).
    pub fn open(dir: &Path) -> Result<Self, ServerError> {
        let io = |e: std::io::Error| ServerError::Storage(format!("{}: {e}", dir.display()));
        if !dir.is_dir() {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                b.mode(0o700);
            }
            b.create(dir).map_err(io)?;
        }
        #[cfg(unix)]
        {
            // A state directory made by an older version, or by hand, is made private too.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
        }
        let path = dir.join("sandbox.sqlite3");
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        drop(options.open(&path).map_err(io)?);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for name in [
                "sandbox.sqlite3",
                "sandbox.sqlite3-wal",
                "sandbox.sqlite3-shm",
            ] {
                let f = dir.join(name);
                if f.exists() {
                    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600))
                        .map_err(io)?;
                }
            }
        }
        let db = Connection::open(path).map_err(db_err)?;
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_err)?;
        // In WAL mode, NORMAL makes each commit durable against a crash of this process
        // (SIGKILL included: the write-ahead log is in the operating system's hands before the
        // answer is sent), not against a crash of the machine, which may lose the last
        // requests. FULL would wait for the disk on every logged request, inside the state's
        // lock: a third of the payment rate (bench/loadgen.sh, BENCHMARKS.md).
        db.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db_err)?;
        Self::init(db)
    }

    /// A database in memory (`--memory`: nothing survives the process).
    pub fn memory() -> Result<Self, ServerError> {
        Self::init(Connection::open_in_memory().map_err(db_err)?)
    }

    fn init(db: Connection) -> Result<Self, ServerError> {
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS log (
                 seq INTEGER PRIMARY KEY AUTOINCREMENT,
                 at TEXT NOT NULL, method TEXT NOT NULL, uri TEXT NOT NULL,
                 headers TEXT NOT NULL, body BLOB NOT NULL, client_dn TEXT);",
        )
        .map_err(db_err)?;
        Ok(Store { db })
    }

    /// Whether no request has been logged yet (a new state).
    pub fn has_no_entries(&self) -> Result<bool, ServerError> {
        self.db
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM log)", [], |r| r.get(0))
            .map_err(db_err)
    }

    /// A stored value.
    pub fn get(&self, key: &str) -> Result<Option<String>, ServerError> {
        self.db
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(db_err)
    }

    /// Stores a value.
    pub fn put(&self, key: &str, value: &str) -> Result<(), ServerError> {
        self.db
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(|_| ())
            .map_err(db_err)
    }

    /// Appends a request to the log (durably, before its response is sent).
    pub fn append(&self, e: &Entry) -> Result<(), ServerError> {
        self.db
            .execute(
                "INSERT INTO log (at, method, uri, headers, body, client_dn) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![e.at, e.method, e.uri, e.headers, e.body, e.client_dn],
            )
            .map(|_| ())
            .map_err(db_err)
    }

    /// Every logged request, oldest first.
    pub fn entries(&self) -> Result<Vec<Entry>, ServerError> {
        let mut stmt = self
            .db
            .prepare("SELECT at, method, uri, headers, body, client_dn FROM log ORDER BY seq")
            .map_err(db_err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Entry {
                    at: r.get(0)?,
                    method: r.get(1)?,
                    uri: r.get(2)?,
                    headers: r.get(3)?,
                    body: r.get(4)?,
                    client_dn: r.get(5)?,
                })
            })
            .map_err(db_err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db_err)
    }
}
