//! Exports of a perf analysis (specs/perf.md §4-5): the JSON report, the timing
//! table as CSV, graph.py's `.dat` per pool, a Chrome trace, and the HTML
//! report's timing section.

pub mod dat;
pub mod html;
pub mod trace;

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::perf::PerfAnalysis;
use crate::perf::summary::{Metric, metric_stats};
use crate::perf::timings::{FindingKind, NodeTimings, Phase};
use crate::text::spreadsheet_safe;

/// µs since the epoch as `2017-06-09T09:20:33.611512Z`.
pub fn iso_us(us: i64) -> String {
    match chrono::DateTime::from_timestamp_micros(us) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        None => us.to_string(),
    }
}

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

fn node_json(node: &NodeTimings) -> Value {
    let mut o = serde_json::Map::new();
    o.insert("node_id".into(), json!(node.node_id));
    o.insert("start".into(), node.start_us.map(iso_us).into());
    o.insert("start_us".into(), node.start_us.into());
    for m in Metric::ALL {
        if let Some(phase) = m.phase(node) {
            o.insert(m.key().into(), phase_json(m, phase));
        }
    }
    o.insert("total".into(), num(Metric::Total.value(node)));
    let images: Vec<Value> = node
        .images
        .iter()
        .map(|img| {
            json!({
                "img": img.img,
                "pull": num(img.pull.seconds()),
                "save": num(img.save.seconds()),
                "load": num(img.load.seconds()),
                "torrent": num(img.torrent.seconds()),
                "size_bytes": img.size_bytes,
                "pull_bytes_per_s": num(throughput(img.size_bytes, &img.pull)),
            })
        })
        .collect();
    o.insert("images".into(), Value::Array(images));
    o.insert("open".into(), json!(open_phases(node)));
    Value::Object(o)
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

/// The JSON report: `pools[]` (nodes, per-phase summaries) and `findings[]`.
pub fn perf_json(a: &PerfAnalysis) -> Vec<u8> {
    let pools: Vec<Value> = a
        .pools
        .iter()
        .map(|p| {
            let mut summary = serde_json::Map::new();
            for m in Metric::ALL {
                let s = metric_stats(&p.nodes, m);
                summary.insert(
                    m.key().into(),
                    s.map_or(Value::Null, |s| {
                        json!({"count": s.count, "min": s.min, "p25": s.p25, "p50": s.p50, "p75": s.p75, "p95": s.p95, "max": s.max})
                    }),
                );
            }
            json!({
                "partition_key": p.partition_key,
                "node_count": p.nodes.len(),
                "nodes": p.nodes.iter().map(node_json).collect::<Vec<_>>(),
                "summary": summary,
            })
        })
        .collect();
    let findings: Vec<Value> = all_findings(a)
        .into_iter()
        .map(|f| {
            json!({"file": a.path, "pool": f.pool, "line": f.line, "node": f.node, "kind": f.kind, "message": f.message})
        })
        .collect();
    let doc = json!({
        "path": a.path,
        "form": a.form.key(),
        "pools": pools,
        "findings": findings,
    });
    let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    bytes.push(b'\n');
    bytes
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
                n.start_us.map(iso_us).unwrap_or_default()
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

/// A CSV text cell: quoted when needed, formula-looking text defused.
fn csv_text(s: &str) -> String {
    let s = spreadsheet_safe(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}
