//! The file sizes of each hour's best segments, kept in the database (table
//! `hour_sizes`, keyed like the result cache by the directory's path,
//! modification and change times) for the bitrate series, so an unchanged
//! hour is never stat'ed twice.

use std::os::unix::ffi::OsStrExt as _;
use std::path::Path;

use rusqlite::{OptionalExtension as _, params};

use super::db::Db;
use crate::analysis::{CacheKey, dir_key};
use crate::anomaly::bitrate::{SegmentSize, stat_hour};
use crate::archive::layout::HourDir;
use crate::coverage::best::Seg;

fn encode(sizes: &[SegmentSize]) -> Vec<u8> {
    let mut out = Vec::with_capacity(sizes.len() * 24);
    for &(start, duration, size) in sizes {
        out.extend_from_slice(&start.to_le_bytes());
        out.extend_from_slice(&duration.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
    }
    out
}

fn decode(blob: &[u8]) -> Option<Vec<SegmentSize>> {
    if !blob.len().is_multiple_of(24) {
        return None;
    }
    let word = |b: &[u8]| <[u8; 8]>::try_from(b).ok();
    blob.chunks_exact(24)
        .map(|c| {
            Some((
                i64::from_le_bytes(word(&c[..8])?),
                i64::from_le_bytes(word(&c[8..16])?),
                u64::from_le_bytes(word(&c[16..])?),
            ))
        })
        .collect()
}

/// The sizes of an hour, from `db` when its directory has not changed since
/// they were stored, otherwise stat'ed (and stored once the directory has
/// settled).
pub fn hour_sizes(db: &Db, root: &Path, hour: &HourDir, best: &[Seg]) -> Vec<SegmentSize> {
    let key = dir_key(&hour.path);
    let path = hour.path.as_os_str().as_bytes();
    if let Some(key) = key {
        let stored: Option<Vec<u8>> = db
            .lock()
            .query_row(
                "SELECT sizes FROM hour_sizes WHERE path = ?1 AND mtime_ns = ?2 AND ctime_ns = ?3",
                params![path, key.mtime_ns, key.ctime_ns],
                |r| r.get(0),
            )
            .optional()
            .ok()
            .flatten();
        if let Some(sizes) = stored.as_deref().and_then(decode) {
            return sizes;
        }
    }
    let sizes = stat_hour(root, hour, best);
    let now_ns = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX);
    if let Some(CacheKey { mtime_ns, ctime_ns }) = key
        && key.is_some_and(|k| k.settled(now_ns))
    {
        // A convenience: failing to store only means stat'ing again next time.
        let _ = db.lock().execute(
            "INSERT INTO hour_sizes (path, mtime_ns, ctime_ns, sizes) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(path) DO UPDATE SET mtime_ns = excluded.mtime_ns,
                 ctime_ns = excluded.ctime_ns, sizes = excluded.sizes",
            params![path, mtime_ns, ctime_ns, encode(&sizes)],
        );
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anomaly::bitrate::bitrate_series;

    #[test]
    fn sizes_are_kept_per_hour_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let a = crate::anomaly::bitrate::test_archive(dir.path());
        let db = Db::memory().unwrap();
        let cached = |root: &Path, hour: &HourDir, best: &[Seg]| hour_sizes(&db, root, hour, best);
        assert_eq!(
            bitrate_series(&a, &cached)[0].values(),
            bitrate_series(&a, &stat_hour)[0].values(),
            "stat'ed the first time"
        );
        // Stored once the directory has settled (two seconds unchanged);
        // then an unchanged hour's sizes come from the database, not a stat.
        std::thread::sleep(std::time::Duration::from_millis(2100));
        let _ = bitrate_series(&a, &cached);
        let planted = encode(&[(a.streams[0].hours[0].best[0].start_us, 2_000_000, 1)]);
        let changed = db
            .lock()
            .execute("UPDATE hour_sizes SET sizes = ?1", params![planted])
            .unwrap();
        assert_eq!(changed, 1, "the hour's sizes were stored");
        let again = bitrate_series(&a, &cached);
        assert_eq!(again[0].values(), vec![4.0], "read back, not stat'ed");
        // Without the database every file is stat'ed.
        assert_eq!(bitrate_series(&a, &stat_hour)[0].points.len(), 150);
    }
}
