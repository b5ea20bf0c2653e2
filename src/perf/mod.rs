//! Batch Shipyard perf data (specs/perf.md): the events of a node start-up
//! table export and the per-node timings computed from them, without the
//! crashes of graph.py.
//!
//! Built so far: reading every export form ([`read`]), parsing an event's
//! RowKey, message and sizes ([`event`]) and the timings with their findings
//! ([`timings`]). The `perf` task, the command line, the `.dat`/trace exports and
//! the timing views build on these.

pub mod event;
pub mod read;
pub mod timings;

use std::path::Path;

use read::{Form, ReadError, ReadFinding, read_export};
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
}

/// Reads the export at `path` and computes the timings of every pool (only
/// `pool` when given; an unknown pool gives no pools and a read finding naming
/// the ones there are).
pub fn analyse_export(path: &Path, pool: Option<&str>) -> Result<PerfAnalysis, ReadError> {
    let file = std::fs::File::open(path)?;
    let (form, export) = read_export(file)?;
    let mut read_findings = export.findings;
    if let Some(p) = pool.filter(|p| !export.pools.contains_key(*p)) {
        let have: Vec<&str> = export.pools.keys().map(String::as_str).collect();
        read_findings.push(ReadFinding {
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
    Ok(PerfAnalysis {
        path: path.to_string_lossy().into_owned(),
        form,
        pools,
        read_findings,
    })
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
}
