//! graph.py's `.dat` file (specs/perf.md §4): one row per node, sorted by
//! start, byte-identical to graph.py's for a clean export.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::export::atomic::write_output;
use crate::export::folder;
use crate::perf::timings::{NodeTimings, Phase};
use crate::perf::{PerfAnalysis, PoolTimings};

/// The header line graph.py writes.
pub const HEADER: &str = "NodePrepStartTime NodeId NodePrep+DockerInstall PrivateRegistrySetup ShipyardContainerPull GlobalResourcesLoad TotalPull TotalSave TotalLoad TotalTorrent";

/// The file name graph.py gives a pool's `.dat`: its PartitionKey with `$`
/// replaced by `-`; path separators and other characters a file name cannot
/// hold become `_`.
pub fn dat_file_name(partition_key: &str) -> String {
    let name: String = partition_key
        .chars()
        .map(|c| match c {
            '$' => '-',
            '/' | '\\' | '\0' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    match name.as_str() {
        "" | "." | ".." => format!("{}_pool.dat", name.replace('.', "_")),
        _ => format!("{}.dat", crate::export::folder::visible_name(&name)),
    }
}

/// A float the way Python's `str()` writes it: the shortest digits that read
/// back to the same value, fixed notation for exponents -4..16 (always with a
/// fractional part, `60.0`), else `1e-06` / `1.5e+16`.
pub fn python_str(value: f64) -> String {
    if !value.is_finite() {
        return if value.is_nan() {
            "nan".into()
        } else if value > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0.0"
        } else {
            "0.0"
        }
        .into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `d.ddde±x`.
    let sci = format!("{value:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let body = if point <= 0 {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        } else if (point as usize) >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            let (a, b) = digits.split_at(point as usize);
            format!("{a}.{b}")
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{frac}e{esign}{:02}", exp.abs())
    }
}

/// A node-level phase as graph.py writes it: the int `0` when absent, the
/// float's `str()` when done; `NaN` (gnuplot's missing value) when it never
/// ended or its events contradict each other, where graph.py would have
/// stopped or written a negative time.
fn phase_cell(phase: &Phase) -> String {
    match phase {
        Phase::Absent => "0".into(),
        Phase::Open { .. } | Phase::Invalid => "NaN".into(),
        Phase::Done { seconds, .. } => python_str(*seconds),
    }
}

/// A total of one image phase over the node's images, summed in the order
/// graph.py sums them (the order of the phase's start events, which decides
/// the last bit of a float sum); `NaN` when one of them never ended.
fn total_cell(
    node: &NodeTimings,
    phase: impl Fn(&crate::perf::timings::ImageTimings) -> &Phase,
) -> String {
    let mut done: Vec<(i64, f64)> = Vec::with_capacity(node.images.len());
    for img in &node.images {
        match phase(img) {
            Phase::Absent => {}
            Phase::Open { .. } | Phase::Invalid => return "NaN".into(),
            Phase::Done {
                start_us, seconds, ..
            } => done.push((*start_us, *seconds)),
        }
    }
    done.sort_by_key(|&(start, _)| start);
    let sum = done.iter().fold(0.0f64, |sum, &(_, s)| sum + s);
    format!("{sum:.5}")
}

/// The `.dat` of one pool. Nodes without a start time cannot be placed on
/// graph.py's time axis and are left out (each is a finding of the pool).
pub fn pool_dat(pool: &PoolTimings) -> Vec<u8> {
    let mut out = String::with_capacity(64 + pool.nodes.len() * 160);
    out.push_str(HEADER);
    out.push('\n');
    for node in &pool.nodes {
        let Some(start) = node.start_us else { continue };
        let _ = writeln!(
            out,
            "{} {} {} {} {} {} {} {} {} {}",
            dat_time(start),
            node.node_id,
            phase_cell(&node.docker_install),
            phase_cell(&node.private_registry_setup),
            phase_cell(&node.shipyard_container_pull),
            phase_cell(&node.global_resources_loaded),
            total_cell(node, |i| &i.pull),
            total_cell(node, |i| &i.save),
            total_cell(node, |i| &i.load),
            total_cell(node, |i| &i.torrent),
        );
    }
    out.into_bytes()
}

/// Writes every pool's `.dat` into `dir` (created when missing), each file
/// atomically; two pools whose names would collide get `-2`, `-3`… None is
/// written when one of them is `source`, the export read. Returns the files
/// written.
pub fn write_dats(a: &PerfAnalysis, dir: &Path, source: &Path) -> Result<Vec<PathBuf>, String> {
    let targets = dat_targets(a, dir, &[source])?;
    write_dat_files(a, dir, &targets)?;
    Ok(targets)
}

/// Writes each pool's `.dat` to its file in `targets` (from [`dat_targets`]
/// on `dir`, which is created when missing), each file atomically.
pub fn write_dat_files(a: &PerfAnalysis, dir: &Path, targets: &[PathBuf]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (path, pool) in targets.iter().zip(&a.pools) {
        write_output(path, &pool_dat(pool)).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// The `.dat` file of each pool in `dir`, in pool order (two pools whose
/// names clean up to one file name get `-2`, `-3`, …); refused as a whole
/// when one of them is one of `inputs` (the export being read).
pub fn dat_targets(a: &PerfAnalysis, dir: &Path, inputs: &[&Path]) -> Result<Vec<PathBuf>, String> {
    let names = folder::unique_names(a.pools.iter().map(|p| dat_file_name(&p.partition_key)));
    folder::planned_targets(dir, &names, inputs).map_err(|e| e.to_string())
}

/// `%Y-%m-%d-%H:%M:%S.%f` in UTC.
fn dat_time(us: i64) -> String {
    match chrono::DateTime::from_timestamp_micros(us) {
        Some(t) => t.format("%Y-%m-%d-%H:%M:%S%.6f").to_string(),
        None => us.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_written_as_python_writes_them() {
        for (v, s) in [
            (12.5, "12.5"),
            (60.0, "60.0"),
            (1e-6, "1e-06"),
            (0.0001, "0.0001"),
            (0.00012, "0.00012"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (123456789012345.6, "123456789012345.6"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-2.25, "-2.25"),
            (15.5, "15.5"),
            (1234.0, "1234.0"),
            (0.0, "0.0"),
        ] {
            assert_eq!(python_str(v), s, "{v:e}");
        }
    }

    #[test]
    fn totals_are_summed_in_the_order_of_their_start_events() {
        use crate::perf::timings::ImageTimings;
        // Five loads whose float sum rounds to 18.36792 in start order and to
        // 18.36793 in the order the images first appeared.
        let loads = [
            ("a", 0, 2.129280),
            ("b", 1, 2.497923),
            ("c", 4, 5.316322),
            ("d", 3, 5.186101),
            ("e", 5, 3.238299),
        ];
        let node = NodeTimings {
            node_id: "n".into(),
            start_us: Some(0),
            nodeprep: Phase::done(0, 1),
            docker_install: Phase::done(0, 1),
            private_registry_setup: Phase::Absent,
            shipyard_container_pull: Phase::Absent,
            global_resources_loaded: Phase::Absent,
            images: loads
                .iter()
                .map(|&(img, start, seconds)| ImageTimings {
                    img: img.into(),
                    pull: Phase::Absent,
                    save: Phase::Absent,
                    torrent: Phase::Absent,
                    load: Phase::Done {
                        start_us: start,
                        duration_us: (seconds * 1e6) as i64,
                        seconds,
                    },
                    size_bytes: None,
                })
                .collect(),
            last_event_us: 10,
        };
        assert_eq!(total_cell(&node, |i| &i.load), "18.36792");
    }

    #[test]
    fn file_names_follow_graph_py() {
        assert_eq!(dat_file_name("acct$pool1"), "acct-pool1.dat");
        assert_eq!(dat_file_name("a/b$c"), "a_b-c.dat");
        assert_eq!(dat_file_name(".."), "___pool.dat");
        assert_eq!(dat_file_name(".pool"), "_pool.dat");
    }

    #[test]
    fn start_times_are_utc_with_microseconds() {
        assert_eq!(
            dat_time(1_497_000_033_611_512),
            "2017-06-09-09:20:33.611512"
        );
        assert_eq!(
            dat_time(1_497_000_012_000_000),
            "2017-06-09-09:20:12.000000"
        );
    }
}
