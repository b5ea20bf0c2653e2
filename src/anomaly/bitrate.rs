//! The bitrate series of an archive (specs/anomaly.md, "Series segscope
//! derives by itself"): size × 8 / duration per best segment, so a frozen or
//! black stream shows as a sharp drop. Names carry no size, so each best
//! segment's file is stat'ed; this only happens when a bitrate series is
//! asked for, hour directories in parallel, and each hour's sizes are kept in
//! the database (table `hour_sizes`, keyed like the result cache by the
//! directory's path, modification and change times), so an unchanged hour is
//! never stat'ed twice.

use std::collections::HashMap;
use std::os::unix::ffi::OsStrExt as _;
use std::path::Path;

use rayon::prelude::*;
use rusqlite::{OptionalExtension as _, params};

use super::series::Series;
use crate::analysis::{Analysis, CacheKey, dir_key};
use crate::archive::layout::{HourDir, Selection, discover};
use crate::archive::walk::list_hour;
use crate::coverage::best::Seg;
use crate::jobs::db::Db;

/// One best segment's size: (start µs, duration µs, bytes).
pub type SegmentSize = (i64, i64, u64);

/// The sizes of an hour's best segments, from the listing and a stat of each
/// (of same-start candidates the largest, as the best segment is chosen).
/// Files that vanished or cannot be stat'ed are left out.
pub fn stat_hour(root: &Path, hour: &HourDir, best: &[Seg]) -> Vec<SegmentSize> {
    let listing = list_hour(root, hour);
    let mut candidates: HashMap<(i64, i64), Vec<&std::ffi::OsStr>> = HashMap::new();
    for s in &listing.segments {
        candidates
            .entry((
                hour.hour_start_us + s.parsed.offset_us,
                s.parsed.duration_us,
            ))
            .or_default()
            .push(&s.name);
    }
    best.iter()
        .filter_map(|g| {
            let names = candidates.get(&(g.start_us, g.duration_us))?;
            let size = names
                .iter()
                .filter_map(|n| std::fs::metadata(hour.path.join(n)).ok())
                .map(|m| m.len())
                .max()?;
            Some((g.start_us, g.duration_us, size))
        })
        .collect()
}

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
fn hour_sizes(root: &Path, hour: &HourDir, best: &[Seg], db: Option<&Db>) -> Vec<SegmentSize> {
    let key = dir_key(&hour.path);
    let path = hour.path.as_os_str().as_bytes();
    if let (Some(db), Some(key)) = (db, key) {
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
    if let (Some(db), Some(CacheKey { mtime_ns, ctime_ns })) = (db, key)
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

/// One `CHANNEL/QUALITY/bitrate` series per stream of `a` (bits per second
/// per best segment, at its start), sizes from `db` where known. The hour
/// directories are found again under the analysed path; one that cannot be
/// listed now gives no points.
pub fn bitrate_series(a: &Analysis, db: Option<&Db>) -> Vec<Series> {
    let root = Path::new(&a.root);
    let layout = discover(root, &Selection::default()).ok();
    let hours = layout.as_ref().map_or(&[][..], |l| &l.hours[..]);
    let stream_of = |dir: &HourDir| {
        let s = &layout.as_ref()?.streams[dir.stream];
        a.streams
            .iter()
            .position(|x| x.channel == s.channel && x.quality == s.quality)
    };
    let sized: Vec<(usize, Vec<SegmentSize>)> = hours
        .par_iter()
        .filter_map(|dir| {
            let stream = stream_of(dir)?;
            let summary = a.streams[stream]
                .hours
                .iter()
                .find(|h| h.hour_start_us == dir.hour_start_us)?;
            Some((stream, hour_sizes(root, dir, &summary.best, db)))
        })
        .collect();
    let mut per_stream: Vec<Vec<(i64, Option<f64>)>> = vec![Vec::new(); a.streams.len()];
    for (stream, sizes) in sized {
        per_stream[stream].extend(sizes.into_iter().map(|(start, duration, size)| {
            let rate = (duration > 0).then(|| size as f64 * 8.0 / (duration as f64 / 1e6));
            (start, rate)
        }));
    }
    a.streams
        .iter()
        .zip(per_stream)
        .map(|(s, points)| Series::new(format!("{}/{}/bitrate", s.channel, s.quality), points))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitrate_per_best_segment_and_sizes_kept_per_hour() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("a");
        let hour = root.join("chan/source/2026-01-02T10");
        std::fs::create_dir_all(&hour).unwrap();
        for k in 0..150 {
            let secs = k * 2;
            // 250,000 bytes per 2 s = 1 Mbit/s; a frozen stretch is 10 times smaller.
            let size = if (100..110).contains(&k) {
                25_000
            } else {
                250_000
            };
            let name = format!(
                "{:02}:{:02}.000000-2.000000-full-{k:08x}.ts",
                secs / 60,
                secs % 60
            );
            std::fs::write(hour.join(name), vec![0u8; size]).unwrap();
        }
        // A smaller duplicate of the first segment: the best is the larger.
        std::fs::write(
            hour.join("00:00.000000-2.000000-full-zzzz.ts"),
            vec![0u8; 10],
        )
        .unwrap();
        let a = crate::analysis::analyse(
            &root,
            &crate::archive::layout::Selection::default(),
            &crate::analysis::NoObserver,
        )
        .unwrap();
        let db = Db::memory().unwrap();
        let series = bitrate_series(&a, Some(&db));
        assert_eq!(series.len(), 1);
        assert_eq!(series[0].name, "chan/source/bitrate");
        let v = series[0].values();
        assert_eq!(v.len(), 150);
        assert_eq!(v[0], 1_000_000.0);
        assert_eq!(v[105], 100_000.0);
        // Stored once the directory has settled (two seconds unchanged);
        // then an unchanged hour's sizes come from the database, not a stat.
        std::thread::sleep(std::time::Duration::from_millis(2100));
        let _ = bitrate_series(&a, Some(&db));
        let planted = encode(&[(a.streams[0].hours[0].best[0].start_us, 2_000_000, 1)]);
        let changed = db
            .lock()
            .execute("UPDATE hour_sizes SET sizes = ?1", params![planted])
            .unwrap();
        assert_eq!(changed, 1, "the hour's sizes were stored");
        let again = bitrate_series(&a, Some(&db));
        assert_eq!(again[0].values(), vec![4.0], "read back, not stat'ed");
        // Without the database every file is stat'ed.
        assert_eq!(bitrate_series(&a, None)[0].points.len(), 150);
    }
}
