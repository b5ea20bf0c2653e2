//! A perf export in the monitor tree: a point per node (`POOL/NODE`) with
//! its total start-up time, judged by the alert rules: slower than its
//! pool's 95th percentile (`monitor.slow_node`, Orange), a finding other
//! than information (`monitor.node_finding`, Orange), Red when a phase
//! never finished.

use std::collections::HashMap;

use super::rules::AlertRules;
use super::{Level, Reading};
use crate::perf::PerfAnalysis;
use crate::perf::summary::{Metric, metric_stats};
use crate::perf::timings::FindingKind;

/// Every node of every pool as (path, reading), with its pool index and
/// its index in the pool.
pub fn node_readings(a: &PerfAnalysis, rules: &AlertRules) -> Vec<(String, Reading, usize, usize)> {
    let mut out = Vec::new();
    for (p, pool) in a.pools.iter().enumerate() {
        let p95 = metric_stats(&pool.nodes, Metric::Total).map(|s| s.p95);
        // Findings per node, information left out.
        let mut findings: HashMap<&str, Vec<&str>> = HashMap::new();
        for f in pool.findings.iter().filter(|f| f.kind != FindingKind::Info) {
            findings.entry(&f.node).or_default().push(f.kind.key());
        }
        for (i, node) in pool.nodes.iter().enumerate() {
            let path = format!("{}/{}", pool.partition_key, node.node_id);
            let (mut value, mut alert) = match (Metric::Total.value(node), p95) {
                (None, _) => ("unfinished: a phase has no end".to_string(), Level::Red),
                (Some(total), Some(p95)) if total > p95 => (
                    format!("total {total:.1} s, slower than the pool's p95 {p95:.1} s"),
                    rules.slow_node,
                ),
                (Some(total), _) => (format!("total {total:.1} s"), Level::Green),
            };
            if let Some(kinds) = findings.get(node.node_id.as_str()) {
                let mut kinds = kinds.clone();
                kinds.sort_unstable();
                kinds.dedup();
                let n = findings[node.node_id.as_str()].len();
                value.push_str(&format!(
                    "; {n} finding{} ({})",
                    if n == 1 { "" } else { "s" },
                    kinds.join(", ")
                ));
                alert = alert.max(rules.node_finding);
            }
            out.push((path, Reading::new(value, alert), p, i));
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
        let rows = node_readings(&a, &AlertRules::default());
        let nodes: usize = a.pools.iter().map(|p| p.nodes.len()).sum();
        assert_eq!(rows.len(), nodes);
        let count = |l: Level| rows.iter().filter(|r| r.1.alert == l).count();
        assert_eq!(count(Level::Red), 1, "the demo's one unfinished node");
        // Nodes with findings are at least Orange and say so.
        let flagged: Vec<&str> = a.pools[0]
            .findings
            .iter()
            .filter(|f| f.kind != FindingKind::Info)
            .map(|f| f.node.as_str())
            .collect();
        assert!(!flagged.is_empty(), "the demo has findings");
        for node in &flagged {
            let row = rows
                .iter()
                .find(|r| r.0.ends_with(&format!("/{node}")))
                .unwrap();
            assert!(row.1.alert >= Level::Orange, "{row:?}");
            assert!(row.1.value.contains("finding"), "{row:?}");
        }
        // The rules set the levels.
        let strict = AlertRules {
            node_finding: Level::Critical,
            slow_node: Level::Red,
            ..AlertRules::default()
        };
        let rows = node_readings(&a, &strict);
        for node in &flagged {
            let row = rows
                .iter()
                .find(|r| r.0.ends_with(&format!("/{node}")))
                .unwrap();
            assert_eq!(row.1.alert, Level::Critical, "{row:?}");
        }
        assert!(
            rows.iter()
                .any(|r| r.1.alert == Level::Red && r.1.value.contains("p95"))
        );
        // Slower than the 95th percentile: about one node in twenty.
        assert!(
            (1..=nodes / 10).contains(&count(Level::Orange)),
            "{}",
            count(Level::Orange)
        );
        assert!(rows[0].0.starts_with("demobatch$demo-pool/"));
    }
}
