//! Series segscope derives by itself (specs/anomaly.md): from a segment
//! archive, per stream, the segment durations, segments and covered seconds
//! per minute and coverage per hour; from a perf export, each start-up phase
//! per node, in node start order.

use super::series::Series;
use crate::analysis::{Analysis, StreamAnalysis};
use crate::perf::summary::Metric;
use crate::perf::{PerfAnalysis, PoolTimings};

const MINUTE_US: i64 = 60_000_000;
const HOUR_US: i64 = 3_600_000_000;

/// The series of one archive, per stream (`CHANNEL/QUALITY/…`):
/// * `segment_duration`: seconds, a point per best segment at its start;
/// * `segments_per_minute`: best segments starting in each minute;
/// * `covered_seconds_per_minute`: seconds of the minute some segment covers;
/// * `coverage_per_hour`: percent of each hour covered.
///
/// Minutes and hours run from the stream's first to its last without gaps,
/// so a hole is a run of zeros, not a jump in time.
pub fn archive_series(a: &Analysis) -> Vec<Series> {
    a.streams.iter().flat_map(stream_series).collect()
}

fn stream_series(s: &StreamAnalysis) -> Vec<Series> {
    let name = |what: &str| format!("{}/{}/{what}", s.channel, s.quality);
    let best = s.hours.iter().flat_map(|h| &h.best);
    let durations = Series::new(
        name("segment_duration"),
        best.clone()
            .map(|g| (g.start_us, Some(g.duration_us as f64 / 1e6))),
    );
    let (Some(first), Some(last)) = (s.coverage.first_start_us, s.coverage.last_end_us) else {
        return vec![durations];
    };
    let first_minute = first.div_euclid(MINUTE_US);
    let minutes = ((last - 1).div_euclid(MINUTE_US) - first_minute + 1).max(0) as usize;
    let mut starts = vec![0u32; minutes];
    for g in best {
        let m = g.start_us.div_euclid(MINUTE_US) - first_minute;
        if let Some(slot) = usize::try_from(m).ok().and_then(|m| starts.get_mut(m)) {
            *slot += 1;
        }
    }
    let covered = covered_per_bucket(
        &s.coverage.raw_union,
        first_minute * MINUTE_US,
        MINUTE_US,
        minutes,
    );
    let minute_at = |m: usize| (first_minute + m as i64) * MINUTE_US;
    let per_minute = Series::new(
        name("segments_per_minute"),
        starts
            .iter()
            .enumerate()
            .map(|(m, &c)| (minute_at(m), Some(c as f64))),
    );
    let covered_minutes = Series::new(
        name("covered_seconds_per_minute"),
        covered
            .iter()
            .enumerate()
            .map(|(m, &us)| (minute_at(m), Some(us as f64 / 1e6))),
    );
    let first_hour = first.div_euclid(HOUR_US);
    let hours = ((last - 1).div_euclid(HOUR_US) - first_hour + 1).max(0) as usize;
    let hourly = covered_per_bucket(&s.coverage.raw_union, first_hour * HOUR_US, HOUR_US, hours);
    let coverage = Series::new(
        name("coverage_per_hour"),
        hourly.iter().enumerate().map(|(h, &us)| {
            (
                (first_hour + h as i64) * HOUR_US,
                Some(100.0 * us as f64 / HOUR_US as f64),
            )
        }),
    );
    vec![durations, per_minute, covered_minutes, coverage]
}

/// µs of each of `count` buckets of `width` from `origin` that the sorted,
/// disjoint `union` covers.
fn covered_per_bucket(
    union: &[crate::coverage::timeline::Interval],
    origin: i64,
    width: i64,
    count: usize,
) -> Vec<i64> {
    let mut out = vec![0i64; count];
    for iv in union {
        let mut t = iv.start_us.max(origin);
        while t < iv.end_us {
            let b = (t - origin).div_euclid(width);
            let Some(slot) = usize::try_from(b).ok().and_then(|b| out.get_mut(b)) else {
                break;
            };
            let bucket_end = origin + (b + 1) * width;
            let end = iv.end_us.min(bucket_end);
            *slot += end - t;
            t = end;
        }
    }
    out
}

/// One series per pool and phase: `POOL/PHASE` (the spec's phase names and
/// `total`), a point per node that went through the phase, at its node prep
/// start, valued in seconds.
pub fn perf_series(a: &PerfAnalysis) -> Vec<Series> {
    let mut out = Vec::new();
    for pool in &a.pools {
        for m in Metric::ALL {
            let points = perf_series_nodes(pool, m)
                .into_iter()
                .map(|(_, t, v)| (t, Some(v)));
            let s = Series::new(perf_series_name(pool, m), points);
            if !s.points.is_empty() {
                out.push(s);
            }
        }
    }
    out
}

/// The name of `pool`'s series of metric `m`.
pub fn perf_series_name(pool: &PoolTimings, m: Metric) -> String {
    format!("{}/{}", pool.partition_key, m.key())
}

/// The nodes behind the points of `pool`'s series of metric `m`, in the
/// series' order: (node index, start, seconds).
pub fn perf_series_nodes(pool: &PoolTimings, m: Metric) -> Vec<(usize, i64, f64)> {
    let mut nodes: Vec<(usize, i64, f64)> = pool
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| Some((i, n.start_us?, m.measured(n)?)))
        .filter(|(_, _, v)| v.is_finite())
        .collect();
    // Stable, as the series sorts its points.
    nodes.sort_by_key(|n| n.1);
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::timeline::Interval;

    #[test]
    fn covered_time_is_split_across_buckets() {
        let iv = |a: i64, b: i64| Interval {
            start_us: a,
            end_us: b,
        };
        let m = MINUTE_US;
        let covered = covered_per_bucket(
            &[iv(30_000_000, m + 15_000_000), iv(2 * m, 2 * m + 1)],
            0,
            m,
            3,
        );
        assert_eq!(covered, vec![30_000_000, 15_000_000, 1]);
    }

    #[test]
    fn an_archive_gives_four_series_per_stream_with_holes_as_zeros() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("a");
        let hour = root.join("chan/source/2026-01-02T10");
        std::fs::create_dir_all(&hour).unwrap();
        // 2 s segments for the first ten minutes, then a five-minute hole,
        // then ten more minutes.
        for k in (0..300).chain(450..750) {
            let secs = k * 2;
            let name = format!(
                "{:02}:{:02}.000000-2.000000-full-{k:08x}.ts",
                secs / 60,
                secs % 60
            );
            std::fs::write(hour.join(name), b"x").unwrap();
        }
        let a = crate::analysis::analyse(
            &root,
            &crate::archive::layout::Selection::default(),
            &crate::analysis::NoObserver,
        )
        .unwrap();
        let series = archive_series(&a);
        let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "chan/source/segment_duration",
                "chan/source/segments_per_minute",
                "chan/source/covered_seconds_per_minute",
                "chan/source/coverage_per_hour"
            ]
        );
        assert_eq!(series[0].points.len(), 600);
        assert!(series[0].points.iter().all(|p| p.1 == 2.0));
        let per_minute: Vec<f64> = series[1].values();
        assert_eq!(per_minute.len(), 25, "minutes 0..25 without gaps");
        assert_eq!(&per_minute[..10], &[30.0; 10]);
        assert_eq!(&per_minute[10..15], &[0.0; 5], "the hole is zeros");
        let covered: Vec<f64> = series[2].values();
        assert_eq!(
            &covered[8..16],
            &[60.0, 60.0, 0.0, 0.0, 0.0, 0.0, 0.0, 60.0]
        );
        assert_eq!(series[3].values(), vec![100.0 * 1200.0 / 3600.0]);
    }
    use crate::perf::demo::{DemoPerfOptions, demo_perf_export};

    #[test]
    fn every_phase_of_every_pool_in_start_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pool.csv");
        std::fs::write(&path, demo_perf_export(&DemoPerfOptions::default())).unwrap();
        let a = crate::perf::analyse_export(&path, None).unwrap();
        let series = perf_series(&a);
        let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
        assert!(
            names.contains(&"demobatch$demo-pool/docker_install"),
            "{names:?}"
        );
        assert!(names.contains(&"demobatch$demo-pool/total"));
        let install = series
            .iter()
            .find(|s| s.name.ends_with("/docker_install"))
            .unwrap();
        assert_eq!(install.points.len(), 48, "one point per node");
        assert!(install.points.windows(2).all(|w| w[0].0 <= w[1].0));
        let total = series.iter().find(|s| s.name.ends_with("/total")).unwrap();
        assert_eq!(total.points.len(), 47, "the unfinished node has no total");
    }
}
