//! The SQLite database behind the queue, the result cache, settings, recent files
//! and alert history: opening it robustly, versioned forward-only migrations.
//!
//! Opening does not fail for the user: a corrupt file or one whose schema does not match is moved
//! aside and rebuilt; a database that cannot be created or written (read-only
//! directory) falls back to an in-memory database. Either way a warning says so.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode};

/// Forward-only migrations; `PRAGMA user_version` counts those applied.
const MIGRATIONS: &[&str] = &[
    // 1: queue, cache, settings, recent files, alert history.
    "CREATE TABLE tasks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        args TEXT NOT NULL,
        state TEXT NOT NULL,
        affinity TEXT,
        owner TEXT,
        created_us INTEGER NOT NULL,
        started_us INTEGER,
        finished_us INTEGER,
        progress_done INTEGER NOT NULL DEFAULT 0,
        progress_total INTEGER NOT NULL DEFAULT 0,
        progress_phrase TEXT NOT NULL DEFAULT '',
        error TEXT,
        result TEXT,
        cancel_requested INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX tasks_by_state ON tasks(state, id);
    CREATE TABLE hour_cache (
        path BLOB PRIMARY KEY,
        mtime_ns INTEGER NOT NULL,
        ctime_ns INTEGER NOT NULL,
        entry_count INTEGER NOT NULL,
        summary BLOB NOT NULL
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE recent_files (path TEXT PRIMARY KEY, opened_us INTEGER NOT NULL);
    CREATE TABLE alert_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at_us INTEGER NOT NULL,
        point TEXT NOT NULL,
        level TEXT NOT NULL,
        message TEXT NOT NULL
    );",
    // 2: a task retried once points at its retry; a second retry finds it.
    "ALTER TABLE tasks ADD COLUMN retry_of INTEGER;
    CREATE UNIQUE INDEX tasks_by_retry_of ON tasks(retry_of) WHERE retry_of IS NOT NULL;",
    // 3: the file sizes of each hour's best segments, for bitrate series.
    "CREATE TABLE hour_sizes (
        path BLOB PRIMARY KEY,
        mtime_ns INTEGER NOT NULL,
        ctime_ns INTEGER NOT NULL,
        sizes BLOB NOT NULL
    );",
    // 4: an alert change keeps the level it came from; points looked up by name.
    "ALTER TABLE alert_history ADD COLUMN previous TEXT NOT NULL DEFAULT 'none';
    CREATE INDEX alert_history_by_point ON alert_history(point, id);",
    // 5: the file says it is segscope's (SQLite's application id, in its header).
    "PRAGMA application_id = 1397183315;",
];

/// SQLite's application id of a segscope database (`SGSS` in ASCII), set by
/// migration 5: how a damaged file is still known as segscope's.
pub const APPLICATION_ID: u32 = 1_397_183_315;

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Statements that must prepare on a database of the current schema; a database
/// where they fail does not match and is rebuilt.
const SCHEMA_PROBES: &[&str] = &[
    "SELECT id, kind, args, state, affinity, owner, created_us, started_us, finished_us,
            progress_done, progress_total, progress_phrase, error, result, cancel_requested,
            retry_of
     FROM tasks LIMIT 0",
    "SELECT path, mtime_ns, ctime_ns, entry_count, summary FROM hour_cache LIMIT 0",
    "SELECT key, value FROM settings LIMIT 0",
    "SELECT path, opened_us FROM recent_files LIMIT 0",
    "SELECT id, at_us, point, level, message, previous FROM alert_history LIMIT 0",
    "SELECT path, mtime_ns, ctime_ns, sizes FROM hour_sizes LIMIT 0",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Why a database file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite refused.
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file is not segscope's: it is refused, never moved or replaced.
    #[error(
        "{path} is not a segscope database ({why}); give --db a segscope database or the name of a new file"
    )]
    NotOurs {
        /// The file.
        path: PathBuf,
        /// What it is instead.
        why: String,
    },
    /// The file holds a newer or foreign schema.
    #[error("schema does not match (version {found}, expected {SCHEMA_VERSION}): {detail}")]
    Schema {
        /// `user_version` found.
        found: i64,
        /// What failed.
        detail: String,
    },
}

impl DbError {
    /// Corruption or a foreign schema: the file should be moved aside.
    fn is_unusable_file(&self) -> bool {
        match self {
            DbError::Schema { .. } => true,
            DbError::NotOurs { .. } => false,
            DbError::Sqlite(e) => matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
            ),
        }
    }
}

thread_local! {
    /// True on the app's UI thread while it builds a frame.
    static ON_UI_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` as the UI thread's frame: in debug builds every database call
/// made meanwhile on this thread panics, naming the rule, so the window can
/// never wait behind a worker's write (every GUI test enforces it). Release
/// builds only run `f`.
pub fn on_ui_thread<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            ON_UI_THREAD.with(|c| c.set(self.0));
        }
    }
    let _reset = Reset(ON_UI_THREAD.with(|c| c.replace(true)));
    f()
}

/// A shared handle on the database. Cheap to clone; one connection behind a mutex.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
    /// The file, or `None` for the in-memory fallback.
    pub path: Option<PathBuf>,
    /// What went wrong while opening (moved aside, fell back to memory).
    pub warnings: Vec<String>,
}

impl Db {
    /// Opens (creating when needed) the database at `path`. Fails only when not even
    /// an in-memory database can be made; see the module docs.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        let mut warnings = Vec::new();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
            && let Err(e) = std::fs::create_dir_all(parent)
        {
            warnings.push(format!(
                    "cannot create database directory ({e}); using an in-memory database, nothing will be kept: {}",
                    parent.display()
                ));
            return Db::memory_with(warnings);
        }
        if let Some(why) = not_writable(path) {
            warnings.push(format!(
                "cannot write the database ({why}); using an in-memory database, nothing will be kept: {}",
                path.display()
            ));
            return Db::memory_with(warnings);
        }
        recognise(path)?;
        match open_file(path).and_then(|conn| check_pages(path, conn)) {
            Ok(conn) => return Ok(Db::wrap(conn, Some(path.to_path_buf()), warnings)),
            Err(e) if e.is_unusable_file() => {
                let aside = move_aside(path);
                warnings.push(format!(
                    "database was unusable ({e}); moved it to {} and started a new one: {}",
                    aside.display(),
                    path.display()
                ));
            }
            Err(e) => {
                warnings.push(format!(
                    "cannot open database ({e}); using an in-memory database, nothing will be kept: {}",
                    path.display()
                ));
                return Db::memory_with(warnings);
            }
        }
        match open_file(path) {
            Ok(conn) => Ok(Db::wrap(conn, Some(path.to_path_buf()), warnings)),
            Err(e) => {
                warnings.push(format!(
                    "cannot create a new database ({e}); using an in-memory database: {}",
                    path.display()
                ));
                Db::memory_with(warnings)
            }
        }
    }

    /// An in-memory database (nothing is kept after the process ends).
    pub fn memory() -> Result<Db, DbError> {
        Db::memory_with(Vec::new())
    }

    fn memory_with(warnings: Vec<String>) -> Result<Db, DbError> {
        let conn = Connection::open_in_memory()?;
        migrate(&conn)?;
        Ok(Db::wrap(conn, None, warnings))
    }

    fn wrap(conn: Connection, path: Option<PathBuf>, warnings: Vec<String>) -> Db {
        Db {
            conn: Arc::new(Mutex::new(conn)),
            path,
            warnings,
        }
    }

    /// Locks the connection for a few statements. Keep the guard short-lived.
    /// Never on the UI thread: see [`on_ui_thread`].
    pub fn lock(&self) -> MutexGuard<'_, Connection> {
        #[cfg(debug_assertions)]
        if ON_UI_THREAD.with(std::cell::Cell::get) {
            panic!(
                "the database was used on the UI thread while it built a frame; \
                 hand the work to a background thread (the app's store)"
            );
        }
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Why an existing database file (or the directory it needs for its journal)
/// cannot be written by this process, if it cannot. SQLite would otherwise open
/// such a file read-only, fail at the first write, and leave journal files behind.
fn not_writable(path: &Path) -> Option<String> {
    use std::os::unix::ffi::OsStrExt as _;
    let writable = |p: &Path| {
        let Ok(c) = std::ffi::CString::new(p.as_os_str().as_bytes()) else {
            return false;
        };
        // SAFETY: `c` is a valid C string.
        unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
    };
    if path.exists() && !writable(path) {
        return Some("the file is read-only".into());
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !writable(dir) {
        return Some(format!("its directory {} is read-only", dir.display()));
    }
    None
}

/// Refuses a file that is not recognisably a segscope database, so that a
/// mistyped `--db` never moves the user's file aside: a missing or empty file,
/// a SQLite file with segscope's application id, or one without an id that
/// is empty or holds segscope's tables (a database from before the id) is
/// segscope's; anything else is refused and named.
fn recognise(path: &Path) -> Result<(), DbError> {
    use std::io::Read as _;
    let not_ours = |why: String| DbError::NotOurs {
        path: path.to_path_buf(),
        why,
    };
    let mut head = Vec::with_capacity(100);
    match std::fs::File::open(path) {
        Ok(f) => {
            if !f.metadata().is_ok_and(|m| m.is_file()) {
                return Err(not_ours("it is not a regular file".into()));
            }
            f.take(100)
                .read_to_end(&mut head)
                .map_err(|e| not_ours(format!("it cannot be read: {e}")))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        // Unreadable files are the permission check's to report.
        Err(_) => return Ok(()),
    }
    if head.is_empty() {
        return Ok(());
    }
    if !head.starts_with(SQLITE_MAGIC) {
        return Err(not_ours("it is not a SQLite file".into()));
    }
    let id = head
        .get(68..72)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, u32::from_be_bytes);
    if id == APPLICATION_ID {
        return Ok(());
    }
    if id != 0 {
        return Err(not_ours(format!(
            "it is another program's SQLite database (application id {id})"
        )));
    }
    let tables = table_names(path).map_err(|e| {
        not_ours(format!(
            "it is a SQLite file whose tables cannot be read: {e}"
        ))
    })?;
    let ours = tables.is_empty()
        || ["tasks", "settings"]
            .iter()
            .all(|t| tables.contains(&t.to_string()));
    if !ours {
        let mut shown = tables.clone();
        shown.truncate(5);
        return Err(not_ours(format!(
            "it is another SQLite database, with tables {}",
            shown.join(", ")
        )));
    }
    Ok(())
}

/// The tables of the SQLite file at `path`, read without writing to it.
fn table_names(path: &Path) -> rusqlite::Result<Vec<String>> {
    use rusqlite::OpenFlags;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(names)
}

/// Checks every page of the file (SQLite's quick_check): a damaged page
/// would otherwise fail every later command that reaches it, naming no file.
fn check_pages(path: &Path, conn: Connection) -> Result<Connection, DbError> {
    let verdict: String = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0))?;
    if verdict == "ok" {
        return Ok(conn);
    }
    Err(DbError::Sqlite(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
        Some(format!("{} is damaged: {verdict}", path.display())),
    )))
}

/// How often opening retries while another process holds the database locked
/// (e.g. while it creates the schema).
const BUSY_RETRIES: u32 = 50;

fn open_file(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    // Touches the file: a non-database fails here. Switching to WAL can report
    // "busy" without waiting while another process sets the database up.
    let mut tries = 0;
    loop {
        match conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0)) {
            Ok(_) => break,
            Err(e)
                if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                    && tries < BUSY_RETRIES =>
            {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(e.into()),
        }
    }
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    migrate(&conn)?;
    Ok(conn)
}

/// Applies the migrations not yet applied and checks the result matches this
/// build's schema. Reading the version and migrating is one exclusive
/// transaction, so processes creating one new database at once wait for each
/// other: the first creates the schema, the others find it made.
fn migrate(conn: &Connection) -> Result<(), DbError> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    let result = migrate_locked(conn);
    match &result {
        Ok(_) => conn.execute_batch("COMMIT")?,
        Err(_) => {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
    let found = result?;
    for probe in SCHEMA_PROBES {
        conn.prepare(probe).map_err(|e| DbError::Schema {
            found,
            detail: e.to_string(),
        })?;
    }
    Ok(())
}

/// The migrations, inside the caller's transaction; returns the version found.
fn migrate_locked(conn: &Connection) -> Result<i64, DbError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if !(0..=SCHEMA_VERSION).contains(&found) {
        return Err(DbError::Schema {
            found,
            detail: "written by a newer segscope".into(),
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        let step = || -> rusqlite::Result<()> {
            conn.execute_batch(sql)?;
            conn.pragma_update(None, "user_version", i as i64 + 1)
        };
        if let Err(e) = step() {
            // Tables that already exist under version 0, or a migration
            // that does not apply (a table it changes is missing), are a
            // foreign schema; busy, full or broken files are not.
            return Err(match e.sqlite_error_code() {
                Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => e.into(),
                Some(ErrorCode::Unknown) => DbError::Schema {
                    found,
                    detail: e.to_string(),
                },
                _ if found == 0 => DbError::Schema {
                    found,
                    detail: e.to_string(),
                },
                _ => e.into(),
            });
        }
    }
    Ok(found)
}

/// Renames a database file (and its WAL and shared-memory files) out of the way,
/// never over an earlier moved-aside file: the new name is made with a hard link,
/// which fails rather than replace.
fn move_aside(path: &Path) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f");
    let name = |k: u32| {
        let mut aside = path.as_os_str().to_owned();
        aside.push(format!(".unusable-{stamp}"));
        if k > 0 {
            aside.push(format!("-{k}"));
        }
        PathBuf::from(aside)
    };
    let mut moved = name(0);
    for k in 0..1000 {
        let aside = name(k);
        match std::fs::hard_link(path, &aside) {
            Ok(()) => {
                let _ = std::fs::remove_file(path);
                moved = aside;
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            // No hard links here (some file systems): a plain rename to a name
            // that does not exist yet.
            Err(_) if !aside.exists() => {
                let _ = std::fs::rename(path, &aside);
                moved = aside;
                break;
            }
            Err(_) => {}
        }
    }
    for ext in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(ext);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
    moved
}

/// The default database: `segscope.db` in segscope's data directory.
pub fn default_db_path() -> PathBuf {
    crate::demo::data_dir().map_or_else(|| PathBuf::from("segscope.db"), |d| d.join("segscope.db"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_and_reopens_at_the_current_version() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/x.db");
        let db = Db::open(&p).unwrap();
        assert!(db.warnings.is_empty(), "{:?}", db.warnings);
        assert_eq!(db.path.as_deref(), Some(p.as_path()));
        drop(db);
        let db = Db::open(&p).unwrap();
        let v: i64 = db
            .lock()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        assert!(db.warnings.is_empty());
    }

    fn moved_aside(dir: &Path) -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains(".unusable-"))
            .collect()
    }

    #[test]
    fn a_file_that_is_not_segscopes_is_refused_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let noise: Vec<u8> = (0..8192u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let csv = dir.path().join("s.csv");
        std::fs::write(&csv, b"time,value\n1,2\n").unwrap();
        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('a');")
            .unwrap();
        let foreign_id = dir.path().join("app.db");
        Connection::open(&foreign_id)
            .unwrap()
            .execute_batch("PRAGMA application_id = 7; CREATE TABLE t (x);")
            .unwrap();
        let cases: [(&Path, &[u8], &str); 4] = [
            (&csv, b"", "not a SQLite file"),
            (&dir.path().join("noise"), &noise, "not a SQLite file"),
            (&other, b"", "tables users"),
            (&foreign_id, b"", "application id 7"),
        ];
        for (path, content, why) in cases {
            if !content.is_empty() {
                std::fs::write(path, content).unwrap();
            }
            let before = std::fs::read(path).unwrap();
            let err = Db::open(path).err().expect("refused").to_string();
            assert!(err.contains(why), "{err}");
            assert!(err.contains(&path.display().to_string()), "{err}");
            assert_eq!(std::fs::read(path).unwrap(), before, "untouched");
        }
        assert!(moved_aside(dir.path()).is_empty());
        // An empty file is a new database.
        let empty = dir.path().join("empty.db");
        std::fs::write(&empty, b"").unwrap();
        assert!(Db::open(&empty).unwrap().warnings.is_empty());
    }

    #[test]
    fn a_damaged_page_is_found_on_open_and_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.db");
        {
            let db = Db::open(&p).unwrap();
            let c = db.lock();
            c.execute_batch("PRAGMA journal_mode=DELETE").unwrap();
            for i in 0..400 {
                c.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)",
                    rusqlite::params![format!("k{i}"), "v".repeat(200)],
                )
                .unwrap();
            }
        }
        // Damage one page in the middle of the file, past the schema.
        let mut bytes = std::fs::read(&p).unwrap();
        let page = 4096;
        assert!(bytes.len() > 8 * page, "{}", bytes.len());
        let at = bytes.len() / page / 2 * page;
        for b in &mut bytes[at..at + page] {
            *b = 0x5a;
        }
        std::fs::write(&p, &bytes).unwrap();
        let db = Db::open(&p).unwrap();
        assert_eq!(db.warnings.len(), 1, "{:?}", db.warnings);
        assert!(db.warnings[0].contains("moved it to"), "{}", db.warnings[0]);
        assert!(db.warnings[0].contains("x.db"), "{}", db.warnings[0]);
        let moved = moved_aside(dir.path());
        assert_eq!(moved.len(), 1);
        let kept = std::fs::read(&moved[0]).unwrap();
        assert!(
            kept.len() == bytes.len() && kept[at..at + page] == bytes[at..at + page],
            "kept, not lost"
        );
        crate::jobs::queue::enqueue(&db.lock(), "noop", &serde_json::json!({}), None).unwrap();
    }

    #[test]
    fn foreign_schema_is_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.db");
        {
            let c = Connection::open(&p).unwrap();
            c.execute_batch(
                "CREATE TABLE tasks (x INTEGER); CREATE TABLE settings (k); PRAGMA user_version = 1;",
            )
            .unwrap();
        }
        let db = Db::open(&p).unwrap();
        assert_eq!(db.warnings.len(), 1);
        assert!(
            db.warnings[0].contains("schema does not match"),
            "{}",
            db.warnings[0]
        );
        assert!(db.lock().prepare(SCHEMA_PROBES[0]).is_ok());
    }

    #[test]
    fn newer_schema_is_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.db");
        Connection::open(&p)
            .unwrap()
            .execute_batch(&format!(
                "PRAGMA user_version = 999; PRAGMA application_id = {APPLICATION_ID};"
            ))
            .unwrap();
        let db = Db::open(&p).unwrap();
        assert!(
            db.warnings[0].contains("newer segscope"),
            "{:?}",
            db.warnings
        );
        // The newer file is kept aside, untouched, and the new database works.
        let moved: Vec<PathBuf> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.to_string_lossy().contains(".unusable-"))
            .collect();
        assert_eq!(moved.len(), 1, "{moved:?}");
        let kept: i64 = Connection::open(&moved[0])
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 999);
        let v: i64 = db
            .lock()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        assert_eq!(db.path.as_deref(), Some(p.as_path()));
        crate::jobs::queue::enqueue(&db.lock(), "noop", &serde_json::json!({}), None).unwrap();
    }

    #[test]
    fn moving_aside_never_overwrites_an_earlier_one() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.db");
        let mut moved = Vec::new();
        for i in 0..3u8 {
            std::fs::write(&p, vec![i; 4096]).unwrap();
            moved.push(move_aside(&p));
        }
        for (i, m) in moved.iter().enumerate() {
            assert_eq!(std::fs::read(m).unwrap(), vec![i as u8; 4096], "{m:?}");
        }
        assert!(!p.exists());
    }

    #[test]
    #[cfg(debug_assertions)]
    fn the_ui_thread_never_touches_the_database() {
        let db = Db::memory().unwrap();
        let inside = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            on_ui_thread(|| {
                drop(db.lock());
            })
        }));
        assert!(inside.is_err(), "a frame's database call panics");
        // Outside a frame, and on other threads during one, it works.
        drop(db.lock());
        on_ui_thread(|| {
            let other = db.clone();
            std::thread::spawn(move || drop(other.lock()))
                .join()
                .unwrap();
        });
    }

    #[test]
    fn uncreatable_directory_falls_back_to_memory() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let db = Db::open(&file.join("x.db")).unwrap();
        assert!(db.path.is_none());
        assert!(db.warnings[0].contains("in-memory"), "{:?}", db.warnings);
        assert!(db.lock().prepare(SCHEMA_PROBES[1]).is_ok());
    }
}
