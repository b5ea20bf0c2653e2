//! Exports of a perf analysis (specs/perf.md §4-5): the JSON report, the timing
//! table as CSV, graph.py's `.dat` per pool, a Chrome trace, and the HTML
//! report's timing section.

pub mod dat;
pub mod demo;
pub mod html;
pub mod trace;

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::perf::PerfAnalysis;
use crate::perf::summary::{Metric, metric_stats};
use crate::perf::timings::{FindingKind, NodeTimings, Phase};
use crate::text::csv_text;
use crate::time::format_iso;

/// A number, or null when there is none (never NaN or Infinity).
fn num(v: Option<f64>) -> Value {
    v.filter(|x| x.is_finite()).map_or(Value::Null, Value::from)
}

/// The JSON value of a node-level phase: its seconds; 0 when absent for the
/// phases graph.py counts as 0 (private registry, shipyard pull); else null.
fn phase_json(metric: Metric, phase: &Phase) -> Value {
    match phase {
        Phase::Absent
            if matches!(
                metric,
                Metric::PrivateRegistrySetup | Metric::ShipyardContainerPull
            ) =>
        {
            json!(0.0)
        }
        _ => num(phase.seconds()),
    }
}

/// The names of a node's phases that never ended (`nodeprep`, `pull:IMG`).
pub fn open_phases(node: &NodeTimings) -> Vec<String> {
    let mut open = Vec::new();
    for m in Metric::ALL {
        if m.phase(node)
            .is_some_and(|p| matches!(p, Phase::Open { .. }))
        {
            open.push(m.key().to_string());
        }
    }
    for img in &node.images {
        for m in [Metric::Pull, Metric::Save, Metric::Torrent, Metric::Load] {
            if m.image_phase(img)
                .is_some_and(|p| matches!(p, Phase::Open { .. }))
            {
                open.push(format!("{}:{}", m.key(), img.img));
            }
        }
    }
    open
}

/// A number when it is finite (never NaN or Infinity in a report).
fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// One image of a node in the JSON report.
#[derive(serde::Serialize)]
struct ImageOut<'a> {
    img: &'a str,
    pull: Option<f64>,
    save: Option<f64>,
    load: Option<f64>,
    torrent: Option<f64>,
    size_bytes: Option<u64>,
    pull_bytes_per_s: Option<f64>,
}

/// One node in the JSON report.
#[derive(serde::Serialize)]
struct NodeOut<'a> {
    node_id: &'a str,
    start: Option<String>,
    start_us: Option<i64>,
    nodeprep: Value,
    docker_install: Value,
    private_registry_setup: Value,
    shipyard_container_pull: Value,
    global_resources_loaded: Value,
    total: Option<f64>,
    images: Vec<ImageOut<'a>>,
    open: Vec<String>,
}

fn node_out(node: &NodeTimings) -> NodeOut<'_> {
    let phase = |m: Metric| m.phase(node).map_or(Value::Null, |p| phase_json(m, p));
    NodeOut {
        node_id: &node.node_id,
        start: node.start_us.map(format_iso),
        start_us: node.start_us,
        nodeprep: phase(Metric::Nodeprep),
        docker_install: phase(Metric::DockerInstall),
        private_registry_setup: phase(Metric::PrivateRegistrySetup),
        shipyard_container_pull: phase(Metric::ShipyardContainerPull),
        global_resources_loaded: phase(Metric::GlobalResourcesLoaded),
        total: finite(Metric::Total.value(node)),
        images: node
            .images
            .iter()
            .map(|img| ImageOut {
                img: &img.img,
                pull: finite(img.pull.seconds()),
                save: finite(img.save.seconds()),
                load: finite(img.load.seconds()),
                torrent: finite(img.torrent.seconds()),
                size_bytes: img.size_bytes,
                pull_bytes_per_s: finite(throughput(img.size_bytes, &img.pull)),
            })
            .collect(),
        open: open_phases(node),
    }
}

/// Bytes per second of a finished phase of an image of known size.
pub fn throughput(size: Option<u64>, phase: &Phase) -> Option<f64> {
    let secs = phase.seconds()?;
    let size = size? as f64;
    (secs > 0.0).then(|| size / secs)
}

/// One finding of a perf analysis, whichever stage found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindingRow<'a> {
    /// The pool (`None` for a row that could not be read into one).
    pub pool: Option<&'a str>,
    /// Line (or entity number) in the export.
    pub line: Option<usize>,
    /// The node ("" when unknown).
    pub node: &'a str,
    /// `missing_end`, `duplicate`, …, `unreadable`.
    pub kind: &'static str,
    /// In words.
    pub message: &'a str,
}

/// Every finding of an analysis, read findings first.
pub fn all_findings(a: &PerfAnalysis) -> Vec<FindingRow<'_>> {
    let mut out: Vec<FindingRow<'_>> = a
        .read_findings
        .iter()
        .map(|f| {
            let (node, kind) = match &f.node {
                Some(n) => (n.as_str(), FindingKind::Malformed.key()),
                None => ("", "unreadable"),
            };
            FindingRow {
                pool: None,
                line: (f.line > 0).then_some(f.line),
                node,
                kind,
                message: f.message.as_str(),
            }
        })
        .collect();
    for p in &a.pools {
        for f in &p.findings {
            out.push(FindingRow {
                pool: Some(p.partition_key.as_str()),
                line: f.line,
                node: f.node.as_str(),
                kind: f.kind.key(),
                message: f.message.as_str(),
            });
        }
    }
    out
}

/// One pool in the JSON report.
#[derive(serde::Serialize)]
struct PoolOut<'a> {
    partition_key: &'a str,
    node_count: usize,
    nodes: Vec<NodeOut<'a>>,
    summary: std::collections::BTreeMap<&'static str, Option<crate::perf::summary::Stats>>,
}

/// One finding in the JSON report.
#[derive(serde::Serialize)]
struct FindingOut<'a> {
    file: &'a str,
    pool: Option<&'a str>,
    line: Option<usize>,
    node: &'a str,
    kind: &'a str,
    message: &'a str,
}

/// The JSON report.
#[derive(serde::Serialize)]
struct ReportOut<'a> {
    path: &'a str,
    form: &'a str,
    rows: usize,
    pools: Vec<PoolOut<'a>>,
    findings: Vec<FindingOut<'a>>,
}

/// The JSON report: `pools[]` (nodes, per-phase summaries) and `findings[]`,
/// serialised straight from the timings (no document tree in memory).
pub fn perf_json(a: &PerfAnalysis) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(a.rows * 128);
    let _ = write_perf_json(a, &mut bytes);
    bytes
}

/// [`perf_json`] written to `w` as it is made (a report of 10,000 nodes
/// never sits in memory whole).
pub fn write_perf_json(a: &PerfAnalysis, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let report = ReportOut {
        path: &a.path,
        form: a.form.key(),
        rows: a.rows,
        pools: a
            .pools
            .iter()
            .map(|p| PoolOut {
                partition_key: &p.partition_key,
                node_count: p.nodes.len(),
                nodes: p.nodes.iter().map(node_out).collect(),
                summary: Metric::ALL
                    .iter()
                    .map(|&m| (m.key(), metric_stats(&p.nodes, m)))
                    .collect(),
            })
            .collect(),
        findings: all_findings(a)
            .into_iter()
            .map(|f| FindingOut {
                file: &a.path,
                pool: f.pool,
                line: f.line,
                node: f.node,
                kind: f.kind,
                message: f.message,
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *w, &report)?;
    w.write_all(b"\n")
}

/// The timing table: one row per node and pool.
pub fn timing_csv(a: &PerfAnalysis) -> Vec<u8> {
    let mut out = String::from("pool,node_id,start");
    for m in Metric::ALL {
        out.push(',');
        out.push_str(m.key());
    }
    out.push_str(",images,image_bytes,open\n");
    let cell = |v: Option<f64>| v.map(|s| format!("{s:.6}")).unwrap_or_default();
    for p in &a.pools {
        for n in &p.nodes {
            let _ = write!(
                out,
                "{},{},{}",
                csv_text(&p.partition_key),
                csv_text(&n.node_id),
                n.start_us.map(format_iso).unwrap_or_default()
            );
            for m in Metric::ALL {
                let v = m.phase(n).map_or_else(
                    || m.value(n),
                    |ph| match ph {
                        Phase::Absent
                            if !matches!(
                                m,
                                Metric::PrivateRegistrySetup | Metric::ShipyardContainerPull
                            ) =>
                        {
                            None
                        }
                        ph => ph.seconds_or_zero(),
                    },
                );
                out.push(',');
                out.push_str(&cell(v));
            }
            let bytes: u64 = n.images.iter().filter_map(|i| i.size_bytes).sum();
            let _ = writeln!(
                out,
                ",{},{},{}",
                n.images.len(),
                bytes,
                csv_text(&open_phases(n).join(" "))
            );
        }
    }
    out.into_bytes()
}
