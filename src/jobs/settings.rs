//! Settings and recent files, kept in the database for the desktop app and the CLI.

use rusqlite::{OptionalExtension as _, params};

use super::db::Db;
use super::queue::now_us;
use crate::anomaly::config::{self, AnomalyConfig};

/// A group of stored settings (the anomaly settings, the alert rules): its
/// keys, how a value is read from text and how it is written back. Loading
/// and storing are the same for every group ([`load_group`],
/// [`store_group`], [`save_group`]).
pub trait SettingsGroup: Default {
    /// Why a value is refused.
    type Error: std::fmt::Display;
    /// Its keys.
    fn keys() -> Vec<&'static str>;
    /// Sets `key` from `text`; a bad value changes nothing and says why.
    fn set(&mut self, key: &str, text: &str) -> Result<(), Self::Error>;
    /// `key`'s value as it is stored.
    fn value(&self, key: &str) -> Option<String>;
}

impl SettingsGroup for AnomalyConfig {
    type Error = config::SettingError;
    fn keys() -> Vec<&'static str> {
        config::KEYS.iter().map(|k| k.key).collect()
    }
    fn set(&mut self, key: &str, text: &str) -> Result<(), config::SettingError> {
        AnomalyConfig::set(self, key, text)
    }
    fn value(&self, key: &str) -> Option<String> {
        AnomalyConfig::value(self, key)
    }
}

/// The stored group: its defaults with every stored key applied. A stored
/// value that does not read is skipped (its default stays) and named in the
/// second part.
pub fn load_group<G: SettingsGroup>(db: &Db) -> (G, Vec<String>) {
    let mut group = G::default();
    let problems = load_keys(db, G::keys(), |k, t| {
        group.set(k, t).map_err(|e| e.to_string())
    });
    (group, problems)
}

/// Checks `text` for `key` and stores it; a bad value is refused and nothing
/// stored.
pub fn store_group<G: SettingsGroup>(db: &Db, key: &str, text: &str) -> Result<(), String> {
    let (mut group, _) = load_group::<G>(db);
    group.set(key, text).map_err(|e| e.to_string())?;
    let value = group.value(key).unwrap_or_default();
    set(db, key, &value).map_err(|e| format!("cannot store {key}: {e}"))
}

/// Stores every key of `group`.
pub fn save_group<G: SettingsGroup>(db: &Db, group: &G) -> Result<(), String> {
    for key in G::keys() {
        let value = group.value(key).unwrap_or_default();
        set(db, key, &value).map_err(|e| format!("cannot store {key}: {e}"))?;
    }
    Ok(())
}

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
fn load_keys(
    db: &Db,
    keys: Vec<&str>,
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
    use crate::anomaly::config::DEFAULT_SCAN_WINDOW;
    use crate::anomaly::ensemble::Algorithm;
    use crate::anomaly::scan::ScanWindow;

    #[test]
    fn stored_anomaly_settings_apply_and_bad_ones_are_named() {
        let db = Db::memory().unwrap();
        let load = || load_group::<AnomalyConfig>(&db);
        let store = |k: &str, t: &str| store_group::<AnomalyConfig>(&db, k, t);
        assert_eq!(load().0, AnomalyConfig::default());
        store("anomaly.consensus", "5").unwrap();
        store("anomaly.algorithms", "ks_test, grubbs,grubbs").unwrap();
        store("anomaly.full_duration_s", "3600").unwrap();
        assert!(store("anomaly.consensus", "0").is_err());
        assert!(store("anomaly.algorithms", "nine").is_err());
        assert!(store("anomaly.colour", "red").is_err());
        let (c, problems) = load();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(c.settings.consensus, 5);
        assert_eq!(c.enabled, vec![Algorithm::Grubbs, Algorithm::KsTest]);
        assert_eq!(c.settings.full_duration_s, 3600.0);
        assert_eq!(c.window, DEFAULT_SCAN_WINDOW);
        assert!(c.check().is_err(), "5 of 2");
        store("anomaly.scan_window", "1440").unwrap();
        assert_eq!(load().0.window, ScanWindow::Points(1440));
        // A value broken behind segscope's back is skipped and named.
        set(&db, "anomaly.stale_period_s", "soon").unwrap();
        let (c, problems) = load();
        assert_eq!(c.settings.stale_period_s, 500.0);
        assert_eq!(problems.len(), 1, "{problems:?}");
        remove(&db, "anomaly.consensus").unwrap();
        assert_eq!(load().0.settings.consensus, 6);
        // Saving writes every key.
        save_group(&db, &AnomalyConfig::default()).unwrap();
        assert_eq!(get(&db, "anomaly.consensus").unwrap().as_deref(), Some("6"));
    }

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
