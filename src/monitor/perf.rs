//! A perf export in the monitor tree: a point per node (`POOL/NODE`) with
//! its total start-up time, Orange when slower than its pool's 95th
//! percentile, Red when a phase never finished.

use super::{Level, Reading};
use crate::perf::PerfAnalysis;
use crate::perf::summary::{Metric, metric_stats};

/// Every node of every pool as (path, reading), with its pool index and
/// its index in the pool.
pub fn node_readings(a: &PerfAnalysis) -> Vec<(String, Reading, usize, usize)> {
    let mut out = Vec::new();
    for (p, pool) in a.pools.iter().enumerate() {
        let p95 = metric_stats(&pool.nodes, Metric::Total).map(|s| s.p95);
        for (i, node) in pool.nodes.iter().enumerate() {
            let path = format!("{}/{}", pool.partition_key, node.node_id);
            let reading = match (Metric::Total.value(node), p95) {
                (None, _) => Reading::new("unfinished: a phase has no end", Level::Red),
                (Some(total), Some(p95)) if total > p95 => Reading::new(
                    format!("total {total:.1} s, slower than the pool's p95 {p95:.1} s"),
                    Level::Orange,
                ),
                (Some(total), _) => Reading::new(format!("total {total:.1} s"), Level::Green),
            };
            out.push((path, reading, p, i));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perf::demo::{DemoPerfOptions, demo_perf_export};

    #[test]
    fn slow_nodes_are_orange_and_unfinished_ones_red() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pool.csv");
        std::fs::write(&path, demo_perf_export(&DemoPerfOptions::default())).unwrap();
        let a = crate::perf::analyse_export(&path, None).unwrap();
        let rows = node_readings(&a);
        let nodes: usize = a.pools.iter().map(|p| p.nodes.len()).sum();
        assert_eq!(rows.len(), nodes);
        let count = |l: Level| rows.iter().filter(|r| r.1.alert == l).count();
        assert_eq!(count(Level::Red), 1, "the demo's one unfinished node");
        // Slower than the 95th percentile: about one node in twenty.
        assert!(
            (1..=nodes / 10).contains(&count(Level::Orange)),
            "{}",
            count(Level::Orange)
        );
        assert!(rows[0].0.starts_with("demobatch$demo-pool/"));
    }
}
