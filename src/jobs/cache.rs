//! The per-hour result cache: each hour directory's summary (counts, compact
//! segment records, bad segments, warnings), keyed by the directory's path,
//! modification and change times, with the entry count recorded beside them.
//!
//! A warm re-open stats each hour directory once and reads the summaries of the
//! unchanged ones instead of listing them. Hours changed within the last two
//! seconds are not stored (their directory may still be changing within the
//! file system's timestamp granularity).

use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{OptionalExtension as _, params};

use super::db::Db;
use crate::analysis::{CacheKey, CacheLookup, HourCache};
use crate::archive::Warning;
use crate::archive::layout::HourDir;
use crate::archive::name::SegmentType;
use crate::archive::walk::BadSegment;
use crate::coverage::best::{HourSummary, PerType, Seg};

/// Version of the summary encoding; older blobs are ignored (re-scanned).
const FORMAT: u8 = 1;

/// A summary waiting to be written: key path, key, entry count, encoded summary.
struct Pending {
    path: Vec<u8>,
    key: CacheKey,
    entry_count: u64,
    blob: Vec<u8>,
}

/// The SQLite-backed [`HourCache`].
pub struct SqliteHourCache {
    db: Db,
    root: PathBuf,
    pending: Mutex<Vec<Pending>>,
    now_ns: i64,
}

impl SqliteHourCache {
    /// A cache for analysing the archive at `root` (canonicalised for the keys).
    pub fn new(db: Db, root: &Path) -> SqliteHourCache {
        SqliteHourCache {
            db,
            root: std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()),
            pending: Mutex::new(Vec::new()),
            now_ns: chrono::Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX),
        }
    }

    fn key_path(&self, root: &Path, hour: &HourDir) -> Vec<u8> {
        let rel = hour.path.strip_prefix(root).unwrap_or(&hour.path);
        self.root.join(rel).as_os_str().as_bytes().to_vec()
    }
}

/// Empties the cache table; returns the number of entries removed.
pub fn clear(db: &Db) -> rusqlite::Result<usize> {
    let conn = db.lock();
    let n = conn.execute("DELETE FROM hour_cache", [])?;
    let _ = conn.execute_batch("VACUUM");
    Ok(n)
}

impl HourCache for SqliteHourCache {
    fn lookup(&self, root: &Path, hour: &HourDir, key: Option<CacheKey>) -> CacheLookup {
        let Some(key) = key else {
            return CacheLookup::Miss(None);
        };
        let path = self.key_path(root, hour);
        let row: Option<(i64, i64, Vec<u8>)> = self
            .db
            .lock()
            .prepare_cached("SELECT mtime_ns, ctime_ns, summary FROM hour_cache WHERE path = ?1")
            .and_then(|mut s| {
                s.query_row(params![path], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()
            })
            .ok()
            .flatten();
        let racy = !key.settled(self.now_ns);
        match row {
            Some((m, c, blob)) if m == key.mtime_ns && c == key.ctime_ns => {
                match decode(&blob, &crate::archive::relative_display(root, &hour.path)) {
                    Some(summary) if summary.hour_start_us == hour.hour_start_us => {
                        CacheLookup::Hit(summary, key)
                    }
                    _ => CacheLookup::Miss((!racy).then_some(key)),
                }
            }
            _ => CacheLookup::Miss((!racy).then_some(key)),
        }
    }

    fn store(&self, root: &Path, hour: &HourDir, key: CacheKey, summary: &HourSummary) {
        let rel = crate::archive::relative_display(root, &hour.path);
        // A directory that could not be listed is not worth remembering.
        if summary.warnings.iter().any(|w| w.path == rel) {
            return;
        }
        let blob = encode(summary, &rel);
        if let Ok(mut p) = self.pending.lock() {
            p.push(Pending {
                path: self.key_path(root, hour),
                key,
                entry_count: summary.entry_count,
                blob,
            });
        }
    }

    fn finish(&self) {
        let pending = self
            .pending
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default();
        if pending.is_empty() {
            return;
        }
        let conn = self.db.lock();
        let write = || -> rusqlite::Result<()> {
            conn.execute_batch("BEGIN IMMEDIATE")?;
            {
                let mut stmt = conn.prepare_cached(
                    "INSERT OR REPLACE INTO hour_cache (path, mtime_ns, ctime_ns, entry_count, summary)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for p in &pending {
                    stmt.execute(params![
                        p.path,
                        p.key.mtime_ns,
                        p.key.ctime_ns,
                        p.entry_count as i64,
                        p.blob
                    ])?;
                }
            }
            conn.execute_batch("COMMIT")
        };
        if write().is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
}

// ---- encoding: varints, zigzag for signed values, strings length-prefixed ----

fn put_u(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_i(out: &mut Vec<u8>, v: i64) {
    put_u(out, ((v << 1) ^ (v >> 63)) as u64);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn u(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.b.get(self.pos)?;
            self.pos += 1;
            v |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Some(v);
            }
        }
        None
    }
    fn i(&mut self) -> Option<i64> {
        let u = self.u()?;
        Some(((u >> 1) as i64) ^ -((u & 1) as i64))
    }
    fn str(&mut self) -> Option<String> {
        let n = usize::try_from(self.u()?).ok()?;
        let s = self.b.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        String::from_utf8(s.to_vec()).ok()
    }
}

fn kind_code(k: SegmentType) -> u64 {
    match k {
        SegmentType::Full => 0,
        SegmentType::Suspect => 1,
        SegmentType::Partial => 2,
        SegmentType::Temp => 3,
    }
}

fn kind_of(code: u64) -> SegmentType {
    match code {
        0 => SegmentType::Full,
        1 => SegmentType::Suspect,
        2 => SegmentType::Partial,
        _ => SegmentType::Temp,
    }
}

fn put_segs(out: &mut Vec<u8>, segs: &[Seg], hour_start_us: i64) {
    put_u(out, segs.len() as u64);
    let mut prev = hour_start_us;
    for s in segs {
        put_i(out, s.start_us - prev);
        prev = s.start_us;
        put_u(
            out,
            ((s.duration_us.max(0) as u64) << 2) | kind_code(s.kind),
        );
    }
}

fn get_segs(r: &mut Reader<'_>, hour_start_us: i64) -> Option<Vec<Seg>> {
    let n = usize::try_from(r.u()?).ok()?;
    let mut out = Vec::with_capacity(n.min(1 << 20));
    let mut prev = hour_start_us;
    for _ in 0..n {
        prev = prev.checked_add(r.i()?)?;
        let d = r.u()?;
        out.push(Seg {
            start_us: prev,
            duration_us: i64::try_from(d >> 2).ok()?,
            kind: kind_of(d & 3),
        });
    }
    Some(out)
}

/// Paths inside the hour are stored relative to it, so the summary can be read
/// back whichever directory (root, channel, quality) the archive is opened at.
fn suffix<'a>(path: &'a str, hour_rel: &str) -> &'a str {
    path.strip_prefix(hour_rel)
        .map_or(path, |rest| rest.strip_prefix('/').unwrap_or(rest))
}

fn join(hour_rel: &str, suffix: &str) -> String {
    if suffix.is_empty() {
        hour_rel.to_string()
    } else {
        format!("{hour_rel}/{suffix}")
    }
}

/// Encodes a summary (paths relative to `hour_rel`).
pub fn encode(s: &HourSummary, hour_rel: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + s.best.len() * 6);
    out.push(FORMAT);
    put_i(&mut out, s.hour_start_us);
    for c in [
        s.segment_count.full,
        s.segment_count.suspect,
        s.segment_count.partial,
        s.bad_count,
        s.entry_count,
    ] {
        put_u(&mut out, c);
    }
    for d in [
        s.segment_duration_us.full,
        s.segment_duration_us.suspect,
        s.segment_duration_us.partial,
    ] {
        put_i(&mut out, d);
    }
    put_segs(&mut out, &s.best, s.hour_start_us);
    put_segs(&mut out, &s.same_start_overlaps, s.hour_start_us);
    put_u(&mut out, s.bad.len() as u64);
    for b in &s.bad {
        put_str(&mut out, suffix(&b.path, hour_rel));
        put_str(&mut out, &b.reason);
    }
    put_u(&mut out, s.warnings.len() as u64);
    for w in &s.warnings {
        put_str(&mut out, suffix(&w.path, hour_rel));
        put_str(&mut out, &w.message);
    }
    out
}

/// Decodes a summary; `None` for a blob of another format or a damaged one.
pub fn decode(blob: &[u8], hour_rel: &str) -> Option<HourSummary> {
    if blob.first() != Some(&FORMAT) {
        return None;
    }
    let mut r = Reader { b: blob, pos: 1 };
    let hour_start_us = r.i()?;
    let (full, suspect, partial, bad_count, entry_count) = (r.u()?, r.u()?, r.u()?, r.u()?, r.u()?);
    let (df, ds, dp) = (r.i()?, r.i()?, r.i()?);
    let best = get_segs(&mut r, hour_start_us)?;
    let same_start_overlaps = get_segs(&mut r, hour_start_us)?;
    let n_bad = r.u()?;
    let mut bad = Vec::new();
    for _ in 0..n_bad {
        let path = join(hour_rel, &r.str()?);
        bad.push(BadSegment {
            path,
            reason: r.str()?,
        });
    }
    let n_warn = r.u()?;
    let mut warnings = Vec::new();
    for _ in 0..n_warn {
        let path = join(hour_rel, &r.str()?);
        warnings.push(Warning {
            path,
            message: r.str()?,
        });
    }
    (r.pos == blob.len()).then_some(HourSummary {
        hour_start_us,
        segment_count: PerType {
            full,
            suspect,
            partial,
        },
        bad_count,
        segment_duration_us: PerType {
            full: df,
            suspect: ds,
            partial: dp,
        },
        best,
        same_start_overlaps,
        bad,
        warnings,
        entry_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_round_trip_and_damage_is_rejected() {
        let h = 1_731_128_400_000_000;
        let s = HourSummary {
            hour_start_us: h,
            segment_count: PerType {
                full: 3,
                suspect: 1,
                partial: 2,
            },
            bad_count: 1,
            segment_duration_us: PerType {
                full: 6_000_000,
                suspect: 1,
                partial: -0,
            },
            best: vec![
                Seg {
                    start_us: h,
                    duration_us: 2_000_000,
                    kind: SegmentType::Full,
                },
                Seg {
                    start_us: h + 2_000_000,
                    duration_us: 0,
                    kind: SegmentType::Partial,
                },
            ],
            same_start_overlaps: vec![Seg {
                start_us: h,
                duration_us: 1_999_000,
                kind: SegmentType::Suspect,
            }],
            bad: vec![BadSegment {
                path: "c/q/2024-11-09T05/x.ts".into(),
                reason: "bad ü".into(),
            }],
            warnings: vec![Warning {
                path: "c/q/2024-11-09T05/y.ts".into(),
                message: "m".into(),
            }],
            entry_count: 9,
        };
        let blob = encode(&s, "c/q/2024-11-09T05");
        let back = decode(&blob, "2024-11-09T05").unwrap();
        assert_eq!(back.best, s.best);
        assert_eq!(back.same_start_overlaps, s.same_start_overlaps);
        assert_eq!(back.segment_count, s.segment_count);
        assert_eq!(back.entry_count, 9);
        assert_eq!(
            back.bad[0].path, "2024-11-09T05/x.ts",
            "paths follow the opened directory"
        );
        assert_eq!(back.warnings[0].path, "2024-11-09T05/y.ts");
        for cut in 0..blob.len() {
            assert!(decode(&blob[..cut], "x").is_none());
        }
        let mut other = blob.clone();
        other[0] = 9;
        assert!(decode(&other, "x").is_none());
    }
}
