//! The bitrate series of an archive (specs/anomaly.md, "Series segscope
//! derives by itself"): size × 8 / duration per best segment, so a frozen or
//! black stream shows as a sharp drop. Names carry no size, so each best
//! segment's file is stat'ed; this only happens when a bitrate series is
//! asked for, hour directories in parallel. Where the sizes come from is the
//! caller's: [`stat_hour`] reads them from the disk, and the task layer keeps
//! each hour's sizes in the database so an unchanged hour is never stat'ed
//! twice.

use std::collections::HashMap;
use std::path::Path;

use rayon::prelude::*;

use super::series::Series;
use crate::analysis::Analysis;
use crate::archive::layout::{HourDir, Selection, discover};
use crate::archive::walk::list_hour;
use crate::coverage::best::Seg;

/// One best segment's size: (start µs, duration µs, bytes).
pub type SegmentSize = (i64, i64, u64);

/// Where an hour's sizes come from: given the archive's root, the hour
/// directory and its best segments, their sizes ([`stat_hour`] reads them
/// from the disk).
pub type HourSizes<'a> = dyn Fn(&Path, &HourDir, &[Seg]) -> Vec<SegmentSize> + Sync + 'a;

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

/// One `CHANNEL/QUALITY/bitrate` series per stream of `a` (bits per second
/// per best segment, at its start), each hour's sizes from `sizes`. The hour
/// directories are found again under the analysed path; one that cannot be
/// listed now gives no points.
pub fn bitrate_series(a: &Analysis, sizes: &HourSizes<'_>) -> Vec<Series> {
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
            Some((stream, sizes(root, dir, &summary.best)))
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

/// An archive of one stream, one hour of 150 two-second segments at 1
/// Mbit/s with a ten times smaller stretch (segments 100 to 109) and a smaller
/// same-start duplicate of the first, in `dir`; its analysis.
#[cfg(test)]
pub(crate) fn test_archive(dir: &Path) -> Analysis {
    let root = dir.join("a");
    let hour = root.join("chan/source/2026-01-02T10");
    std::fs::create_dir_all(&hour).unwrap();
    for k in 0..150 {
        let secs = k * 2;
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
    std::fs::write(
        hour.join("00:00.000000-2.000000-full-zzzz.ts"),
        vec![0u8; 10],
    )
    .unwrap();
    crate::analysis::analyse(
        &root,
        &crate::archive::layout::Selection::default(),
        &crate::analysis::NoObserver,
    )
    .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitrate_per_best_segment() {
        let dir = tempfile::tempdir().unwrap();
        let a = test_archive(dir.path());
        let series = bitrate_series(&a, &stat_hour);
        assert_eq!(series.len(), 1);
        assert_eq!(series[0].name, "chan/source/bitrate");
        let v = series[0].values();
        assert_eq!(v.len(), 150);
        assert_eq!(v[0], 1_000_000.0, "the larger of the same-start pair");
        assert_eq!(v[105], 100_000.0);
    }
}
