//! Batch Shipyard perf data (specs/perf.md): the events of a node start-up
//! table export and the per-node timings computed from them, without the
//! crashes of graph.py.
//!
//! Reading every export form ([`read`]), parsing an event's RowKey, message
//! and sizes ([`event`]), the timings with their findings ([`timings`]), what
//! they add up to ([`summary`]) and how a node's bars are laid out
//! ([`lanes`]). The `perf` task, the command line, the exports
//! (the timing exports) and the timing views build on these.

pub mod demo;
pub mod event;
pub mod lanes;
pub mod read;
pub mod summary;
pub mod timings;

use std::io::Read;
use std::path::Path;

use read::{Form, PerfExport, ReadError, ReadFinding, read_export_watched};
use timings::{Finding, NodeTimings, node_timings};

/// The timings of one pool.
#[derive(Debug, Clone)]
pub struct PoolTimings {
    /// `<batch account>$<pool id>`.
    pub partition_key: String,
    /// Its nodes, by start.
    pub nodes: Vec<NodeTimings>,
    /// What was wrong with its events.
    pub findings: Vec<Finding>,
}

/// A perf export analysed: every pool (or the one asked for) and what could not
/// be read.
#[derive(Debug, Clone)]
pub struct PerfAnalysis {
    /// The export.
    pub path: String,
    /// The form it was read as.
    pub form: Form,
    /// Pools by PartitionKey.
    pub pools: Vec<PoolTimings>,
    /// Rows that could not be read.
    pub read_findings: Vec<ReadFinding>,
    /// Rows (entities) in the export.
    pub rows: usize,
}

/// Reads the export at `path` and computes the timings of every pool (only
/// `pool` when given; an unknown pool gives no pools and a read finding naming
/// the ones there are).
pub fn analyse_export(path: &Path, pool: Option<&str>) -> Result<PerfAnalysis, ReadError> {
    analyse_export_watched(path, pool, &mut |_| true)
}

/// How far the reading of an export is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadProgress {
    /// Rows (entities) read.
    pub rows: usize,
    /// Bytes of the file read.
    pub bytes: u64,
    /// The file's size.
    pub total_bytes: u64,
}

impl ReadProgress {
    /// The rows the whole file holds, estimated from the bytes per row so far.
    pub fn estimated_rows(&self) -> usize {
        if self.bytes == 0 {
            return self.rows;
        }
        ((self.rows as f64 * self.total_bytes as f64 / self.bytes as f64) as usize).max(self.rows)
    }
}

/// A reader that counts the bytes read through it.
struct Counted<R> {
    inner: R,
    read: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// [`analyse_export`], calling `watch` as rows are read; when it returns
/// false the analysis stops with [`ReadError::Stopped`].
pub fn analyse_export_watched(
    path: &Path,
    pool: Option<&str>,
    watch: &mut dyn FnMut(ReadProgress) -> bool,
) -> Result<PerfAnalysis, ReadError> {
    let file = std::fs::File::open(path)?;
    let total_bytes = file.metadata().map_or(0, |m| m.len());
    let read = std::rc::Rc::new(std::cell::Cell::new(0));
    let counted = Counted {
        inner: file,
        read: std::rc::Rc::clone(&read),
    };
    let (form, export) = read_export_watched(counted, &mut |rows| {
        watch(ReadProgress {
            rows,
            bytes: read.get(),
            total_bytes,
        })
    })?;
    Ok(timings_of_export(path, form, export, pool))
}

/// The timings of every pool of a read `export` (only `pool` when given; an
/// unknown pool gives no pools and a read finding naming the ones there are).
pub fn timings_of_export(
    path: &Path,
    form: Form,
    export: PerfExport,
    pool: Option<&str>,
) -> PerfAnalysis {
    let rows = export.rows;
    let mut read_findings = export.findings;
    if let Some(p) = pool.filter(|p| !export.pools.contains_key(*p)) {
        let have: Vec<&str> = export.pools.keys().map(String::as_str).collect();
        read_findings.push(ReadFinding {
            node: None,
            line: 0,
            message: format!("no pool {p:?} in the export; it has: {}", have.join(", ")),
        });
    }
    let pools = export
        .pools
        .into_iter()
        .filter(|(pk, _)| pool.is_none_or(|p| p == pk))
        .map(|(partition_key, events)| {
            let (nodes, findings) = node_timings(&events);
            PoolTimings {
                partition_key,
                nodes,
                findings,
            }
        })
        .collect();
    PerfAnalysis {
        path: path.to_string_lossy().into_owned(),
        form,
        pools,
        read_findings,
        rows,
    }
}

impl PerfAnalysis {
    /// Findings of every stage: unreadable rows and every pool's.
    pub fn finding_count(&self) -> usize {
        self.read_findings.len() + self.pools.iter().map(|p| p.findings.len()).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_with_two_pools_and_a_pool_filter() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("perf.csv");
        std::fs::write(
            &path,
            "PartitionKey,RowKey,Timestamp,Event,Message,NodeId\n\
             a$p1,100.0,t,nodeprep:start,\"offer=o,sku=s\",n1\n\
             a$p1,160.0,t,nodeprep:end,,n1\n\
             a$p2,100.0,t,nodeprep:start,\"offer=o,sku=s\",n2\n",
        )
        .unwrap();
        let all = analyse_export(&path, None).unwrap();
        assert_eq!(all.form, Form::Csv);
        assert_eq!(all.pools.len(), 2);
        assert_eq!(
            all.pools[0].nodes[0].nodeprep.duration_or_zero(),
            Some(60_000_000)
        );
        assert_eq!(all.pools[1].findings.len(), 1, "p2's node prep never ends");
        let one = analyse_export(&path, Some("a$p2")).unwrap();
        assert_eq!(one.pools.len(), 1);
        let none = analyse_export(&path, Some("a$p9")).unwrap();
        assert!(none.pools.is_empty());
        assert!(none.read_findings[0].message.contains("a$p1, a$p2"));
    }

    #[test]
    fn reading_reports_rows_and_stops_when_told() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pool.csv");
        let options = demo::DemoPerfOptions {
            nodes: 2_000,
            ..Default::default()
        };
        std::fs::write(&path, demo::demo_perf_export(&options)).unwrap();
        let mut seen = Vec::new();
        let all = analyse_export_watched(&path, None, &mut |p| {
            seen.push(p);
            true
        })
        .unwrap();
        assert!(
            seen.len() >= 4,
            "progress every {} rows",
            read::PROGRESS_ROWS
        );
        assert!(seen.windows(2).all(|w| w[0].rows < w[1].rows));
        let last = seen.last().unwrap();
        let estimate = last.estimated_rows() as f64;
        assert!(
            (estimate / all.rows as f64 - 1.0).abs() < 0.1,
            "estimated {estimate} of {} rows",
            all.rows
        );
        let mut calls = 0;
        let stopped = analyse_export_watched(&path, None, &mut |_| {
            calls += 1;
            false
        });
        assert!(matches!(stopped, Err(ReadError::Stopped)));
        assert_eq!(calls, 1, "the first report stops it");
    }
}
