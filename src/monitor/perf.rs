//! A perf export in the monitor tree: a point per node (`POOL/NODE`) with
//! its total start-up time, judged by the alert rules: slower than its
//! pool's 95th percentile (`monitor.slow_node`, Orange), a finding other
//! than information (`monitor.node_finding`, Orange), Red when a phase
//! never finished.

use std::collections::HashMap;

use super::rules::AlertRules;
use super::{Level, Reading};
use crate::anomaly::derive::{perf_series_name, perf_series_nodes};
use crate::anomaly::ensemble::Outcome;
use crate::anomaly::run::{AnomalyRun, SeriesResult};
use crate::perf::PerfAnalysis;
use crate::perf::summary::{Metric, metric_stats};
use crate::perf::timings::FindingKind;

/// Every node of every pool as (path, reading), with its pool index and
/// its index in the pool; `run`, an anomaly run over the export's series,
/// marks the nodes its verdicts flagged (`monitor.anomalous_node`).
pub fn node_readings(
    a: &PerfAnalysis,
    rules: &AlertRules,
    run: Option<&AnomalyRun>,
) -> Vec<(String, Reading, usize, usize)> {
    let flagged = run.map(|r| flagged_nodes(a, r)).unwrap_or_default();
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
                let n = kinds.len();
                let mut kinds = kinds.clone();
                kinds.sort_unstable();
                kinds.dedup();
                value.push_str(&format!(
                    "; {n} finding{} ({})",
                    if n == 1 { "" } else { "s" },
                    kinds.join(", ")
                ));
                alert = alert.max(rules.node_finding);
            }
            if let Some(metrics) = flagged.get(&(p, i)) {
                value.push_str(&format!("; anomalous {}", metrics.join(", ")));
                alert = alert.max(rules.anomalous_node);
            }
            out.push((path, Reading::new(value, alert), p, i));
        }
    }
    out
}

/// The nodes (pool index, node index) an anomaly run's verdicts flagged,
/// with the metrics: with a scan every point with the consensus, without one
/// the last point of an anomalous series.
pub fn flagged_nodes(
    a: &PerfAnalysis,
    run: &AnomalyRun,
) -> HashMap<(usize, usize), Vec<&'static str>> {
    let by_name: HashMap<&str, &SeriesResult> =
        run.series.iter().map(|s| (s.name.as_str(), s)).collect();
    let mut out: HashMap<(usize, usize), Vec<&'static str>> = HashMap::new();
    for (p, pool) in a.pools.iter().enumerate() {
        for m in Metric::ALL {
            let Some(s) = by_name.get(perf_series_name(pool, m).as_str()) else {
                continue;
            };
            let nodes = perf_series_nodes(pool, m);
            let points: Vec<usize> = match &s.scanned {
                Some(scanned) => scanned.scan.anomalous(run.settings.consensus).collect(),
                None if s.judgement.outcome == Outcome::Anomalous => {
                    nodes.len().checked_sub(1).into_iter().collect()
                }
                None => Vec::new(),
            };
            for k in points {
                if let Some(&(node, _, _)) = nodes.get(k) {
                    out.entry((p, node)).or_default().push(m.key());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perf::demo::{DemoPerfOptions, demo_perf_export};

    #[test]
    fn nodes_an_anomaly_scan_flagged_are_marked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pool.csv");
        let demo = DemoPerfOptions {
            nodes: 400,
            ..DemoPerfOptions::default()
        };
        std::fs::write(&path, demo_perf_export(&demo)).unwrap();
        let a = crate::perf::analyse_export(&path, None).unwrap();
        let mut config = crate::anomaly::config::AnomalyConfig::default();
        // A low bar, so the demo's slow nodes are flagged.
        config.settings.consensus = 2;
        let options = crate::anomaly::run::RunOptions {
            now_us: None,
            settings: config.settings,
            enabled: config.enabled,
            scan: Some(config.window),
        };
        let (series, errors, took) =
            crate::jobs::inputs::read_inputs(std::slice::from_ref(&path), None, false).unwrap();
        let run = crate::anomaly::run::run(series, errors, took, &options, &|| false)
            .unwrap()
            .unwrap();
        let flagged = flagged_nodes(&a, &run);
        let consensus = run.settings.consensus;
        let mut total = 0;
        for s in &run.series {
            let (pool_key, metric) = s.name.rsplit_once('/').unwrap();
            let p = a
                .pools
                .iter()
                .position(|p| p.partition_key == pool_key)
                .unwrap();
            let m = Metric::ALL.into_iter().find(|m| m.key() == metric).unwrap();
            let points = &s.scanned.as_ref().unwrap().series.points;
            let marked: Vec<(i64, f64)> = flagged
                .iter()
                .filter(|((q, _), ms)| *q == p && ms.contains(&m.key()))
                .map(|((_, i), _)| {
                    let n = &a.pools[p].nodes[*i];
                    (n.start_us.unwrap(), m.measured(n).unwrap())
                })
                .collect();
            // The marked nodes are the flagged points: same times, same values.
            let mut expected: Vec<(i64, f64)> = s
                .scanned
                .as_ref()
                .unwrap()
                .scan
                .anomalous(consensus)
                .map(|k| points[k])
                .collect();
            let mut marked = marked;
            let key = |x: &(i64, f64)| (x.0, x.1.to_bits());
            expected.sort_by_key(key);
            marked.sort_by_key(key);
            assert_eq!(marked, expected, "{}", s.name);
            total += expected.len();
        }
        assert!(total > 0, "the demo's slow nodes are flagged somewhere");
        let rows = node_readings(&a, &AlertRules::default(), Some(&run));
        let marked = rows
            .iter()
            .filter(|r| r.1.value.contains("; anomalous "))
            .count();
        assert_eq!(marked, flagged.len());
        assert!(
            rows.iter()
                .filter(|r| r.1.value.contains("; anomalous "))
                .all(|r| r.1.alert >= Level::Orange)
        );
    }

    #[test]
    fn slow_nodes_are_orange_and_unfinished_ones_red() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pool.csv");
        std::fs::write(&path, demo_perf_export(&DemoPerfOptions::default())).unwrap();
        let a = crate::perf::analyse_export(&path, None).unwrap();
        let rows = node_readings(&a, &AlertRules::default(), None);
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
        let rows = node_readings(&a, &strict, None);
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
