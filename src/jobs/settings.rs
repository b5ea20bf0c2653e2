//! Settings and recent files, kept in the database for the desktop app and the CLI.

use rusqlite::{OptionalExtension as _, params};

use super::db::Db;
use super::queue::now_us;

/// How many recent files are kept.
pub const RECENT_LIMIT: usize = 20;

/// Reads a setting.
pub fn get(db: &Db, key: &str) -> rusqlite::Result<Option<String>> {
    db.lock()
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            params![key],
            |r| r.get(0),
        )
        .optional()
}

/// Writes a setting.
pub fn set(db: &Db, key: &str, value: &str) -> rusqlite::Result<()> {
    db.lock().execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Forgets a setting.
pub fn remove(db: &Db, key: &str) -> rusqlite::Result<()> {
    db.lock()
        .execute("DELETE FROM settings WHERE key = ?1", params![key])?;
    Ok(())
}

/// Records an opened archive by its absolute path; a path that does not
/// resolve (missing, unreadable) is not recorded.
pub fn remember_opened(db: &Db, path: &std::path::Path) {
    if let Ok(abs) = std::fs::canonicalize(path) {
        // Recent files are a convenience: failing to record one is not an error.
        let _ = touch_recent(db, &abs.to_string_lossy());
    }
}

/// Records that `path` was opened now; keeps the newest [`RECENT_LIMIT`].
pub fn touch_recent(db: &Db, path: &str) -> rusqlite::Result<()> {
    let conn = db.lock();
    conn.execute(
        "INSERT INTO recent_files (path, opened_us) VALUES (?1, ?2)
         ON CONFLICT(path) DO UPDATE SET opened_us = excluded.opened_us",
        params![path, now_us()],
    )?;
    conn.execute(
        "DELETE FROM recent_files WHERE path NOT IN (SELECT path FROM recent_files ORDER BY opened_us DESC LIMIT ?1)",
        params![RECENT_LIMIT as i64],
    )?;
    Ok(())
}

/// Recent files, newest first.
pub fn recent(db: &Db) -> rusqlite::Result<Vec<String>> {
    let conn = db.lock();
    let mut stmt = conn.prepare("SELECT path FROM recent_files ORDER BY opened_us DESC, path")?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

/// Reads the stored values of `keys` through `set` (a group of settings such
/// as the anomaly settings or the alert rules, starting from its defaults);
/// returns the problems: values that do not read (the default stays) and
/// keys that cannot be read.
pub fn load_keys<'a>(
    db: &Db,
    keys: impl IntoIterator<Item = &'a str>,
    mut set: impl FnMut(&str, &str) -> Result<(), String>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for key in keys {
        match get(db, key) {
            Ok(Some(text)) => {
                if let Err(e) = set(key, &text) {
                    problems.push(format!("stored setting {key}: {e}; default used"));
                }
            }
            Ok(None) => {}
            Err(e) => problems.push(format!("cannot read setting {key}: {e}")),
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_and_recent_files() {
        let db = Db::memory().unwrap();
        assert_eq!(get(&db, "theme").unwrap(), None);
        set(&db, "theme", "dark").unwrap();
        set(&db, "theme", "light").unwrap();
        assert_eq!(get(&db, "theme").unwrap().as_deref(), Some("light"));
        for i in 0..(RECENT_LIMIT + 5) {
            touch_recent(&db, &format!("/a/{i:02}")).unwrap();
            std::thread::sleep(std::time::Duration::from_micros(2));
        }
        let r = recent(&db).unwrap();
        assert_eq!(r.len(), RECENT_LIMIT);
        assert_eq!(r[0], format!("/a/{:02}", RECENT_LIMIT + 4));
    }
}
