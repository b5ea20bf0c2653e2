//! The alert history: every change of a point's alert (time, point, old ->
//! new level, the value that came with it) in the database's
//! `alert_history` table, newest first on reading, pruned to the newest
//! [`KEEP`] rows so it cannot grow without bound.

use rusqlite::params;

use super::Level;
use crate::jobs::db::Db;

/// Rows kept; older ones are pruned as new ones are written.
pub const KEEP: i64 = 10_000;

/// One alert change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertChange {
    /// When, µs since the epoch.
    pub at_us: i64,
    /// The point's path.
    pub point: String,
    /// The level before.
    pub old: Level,
    /// The level after.
    pub new: Level,
    /// The value that came with it.
    pub message: String,
}

/// The alert changes among a tree's `changes` at `at_us` (a point removed
/// goes to None, its value "gone").
pub fn alert_changes(changes: &[super::Change], at_us: i64) -> Vec<AlertChange> {
    use super::Change;
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Alert {
                path,
                old,
                new,
                value,
            } => Some(AlertChange {
                at_us,
                point: path.clone(),
                old: *old,
                new: *new,
                message: value.clone(),
            }),
            Change::Removed { path, old } => Some(AlertChange {
                at_us,
                point: path.clone(),
                old: *old,
                new: Level::None,
                message: "gone".into(),
            }),
            Change::Value { .. } => None,
        })
        .collect()
}

/// Records `changes` in one transaction and prunes beyond [`KEEP`].
pub fn record(db: &Db, changes: &[AlertChange]) -> rusqlite::Result<()> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut conn = db.lock();
    let tx = conn.transaction()?;
    for c in changes {
        tx.execute(
            "INSERT INTO alert_history (at_us, point, level, message, previous) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![c.at_us, c.point, c.new.name(), c.message, c.old.name()],
        )?;
    }
    tx.execute(
        "DELETE FROM alert_history WHERE id <= (SELECT max(id) FROM alert_history) - ?1",
        params![KEEP],
    )?;
    tx.commit()
}

/// The newest `limit` changes, of `point` (and the points below it) or of
/// every point.
pub fn recent(db: &Db, point: Option<&str>, limit: usize) -> rusqlite::Result<Vec<AlertChange>> {
    let conn = db.lock();
    let mut stmt = conn.prepare(
        "SELECT at_us, point, previous, level, message FROM alert_history
         WHERE ?1 IS NULL OR point = ?1 OR substr(point, 1, length(?1) + 1) = ?1 || '/'
         ORDER BY id DESC LIMIT ?2",
    )?;
    stmt.query_map(params![point, limit as i64], |r| {
        let level = |s: String| Level::from_name(&s).unwrap_or_default();
        Ok(AlertChange {
            at_us: r.get(0)?,
            point: r.get(1)?,
            old: level(r.get(2)?),
            new: level(r.get(3)?),
            message: r.get(4)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(at_us: i64, point: &str, old: Level, new: Level) -> AlertChange {
        AlertChange {
            at_us,
            point: point.into(),
            old,
            new,
            message: format!("{new}"),
        }
    }

    #[test]
    fn changes_are_kept_newest_first_per_point_and_pruned() {
        let db = Db::memory().unwrap();
        record(
            &db,
            &[
                change(1, "a/q/01", Level::None, Level::Green),
                change(2, "a/q/01", Level::Green, Level::Red),
                change(3, "a/r/01", Level::None, Level::Orange),
                change(4, "ab/q/01", Level::None, Level::Red),
            ],
        )
        .unwrap();
        let a = recent(&db, Some("a"), 10).unwrap();
        assert_eq!(a.len(), 3, "a and below, not ab: {a:?}");
        assert_eq!(a[0].at_us, 3);
        assert_eq!((a[1].old, a[1].new), (Level::Green, Level::Red));
        assert_eq!(recent(&db, None, 2).unwrap().len(), 2);
        let many: Vec<AlertChange> = (0..KEEP + 50)
            .map(|i| change(10 + i, "p", Level::Green, Level::Orange))
            .collect();
        record(&db, &many).unwrap();
        let rows: i64 = db
            .lock()
            .query_row("SELECT count(*) FROM alert_history", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, KEEP);
        assert_eq!(recent(&db, None, 1).unwrap()[0].at_us, 10 + KEEP + 49);
    }
}
