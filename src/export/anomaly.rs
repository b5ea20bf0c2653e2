//! Exports of an anomaly run: the JSON report (`{"series": [...], "summary":
//! {...}}`) and one CSV row per series.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::anomaly::ensemble::{Algorithm, Outcome};
use crate::anomaly::run::AnomalyRun;
use crate::anomaly::run::Scanned;
use crate::anomaly::stats::median;
use crate::text::csv_text;
use crate::time::iso_time;

/// A number, or null (never NaN or Infinity).
fn num(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

/// The JSON report (its `output_s` is the run's `output_time`).
pub fn anomaly_json(run: &AnomalyRun) -> Vec<u8> {
    let output_s = run.output_time.as_secs_f64();
    let series: Vec<Value> = run
        .series
        .iter()
        .map(|s| {
            let algorithms: serde_json::Map<String, Value> = s
                .judgement
                .votes
                .iter()
                .map(|(a, v)| {
                    (
                        a.name().to_string(),
                        json!({"vote": v.vote, "statistic": num(v.statistic), "threshold": num(v.threshold)}),
                    )
                })
                .collect();
            let mut entry = json!({
                "name": s.name,
                "points": s.points,
                "dropped": s.dropped,
                "duplicates": s.duplicates,
                "outcome": s.judgement.outcome.name(),
                "votes": s.judgement.vote_count(),
                "datapoint": s.judgement.datapoint.map_or(Value::Null, num),
                "algorithms": algorithms,
            });
            if let (Some(scanned), Some(obj)) = (&s.scanned, entry.as_object_mut()) {
                let times: Vec<String> = s
                    .anomalous_times(run.settings.consensus)
                    .into_iter()
                    .map(iso_time)
                    .collect();
                let max_score = scanned.scan.score.iter().copied().fold(0.0f32, f32::max);
                obj.insert("anomalies".into(), json!(times));
                obj.insert("max_score".into(), num(f64::from(max_score)));
            }
            entry
        })
        .collect();
    let outcomes: BTreeMap<&str, usize> = Outcome::ALL
        .iter()
        .map(|&o| (o.name(), run.count(o)))
        .collect();
    let mut breakdown = serde_json::Map::new();
    let mut algorithm_time = serde_json::Map::new();
    for a in &run.enabled {
        breakdown.insert(a.name().into(), json!(run.breakdown(*a)));
        let times: Vec<f64> = run
            .series
            .iter()
            .flat_map(|s| s.judgement.times.iter().filter(|(b, _)| b == a))
            .map(|(_, d)| d.as_secs_f64())
            .collect();
        algorithm_time.insert(
            a.name().into(),
            json!({"total_s": times.iter().sum::<f64>(), "median_s": if times.is_empty() { 0.0 } else { median(&times) }}),
        );
    }
    let errors: Vec<Value> = run
        .errors
        .iter()
        .map(|(file, e)| json!({"file": file, "line": e.line, "message": e.message}))
        .collect();
    let scan = run.scan.map_or(Value::Null, |w| {
        let anomalous: usize = run
            .series
            .iter()
            .map(|s| s.anomalous_times(run.settings.consensus).len())
            .sum();
        json!({"window": w.label(), "anomalous_points": anomalous})
    });
    let doc = json!({
        "series": series,
        "summary": {
            "series": run.series.len(),
            "now": crate::time::format_iso(run.now_us),
            "consensus": run.settings.consensus,
            "algorithms": run.enabled.iter().map(|a| a.name()).collect::<Vec<_>>(),
            "outcomes": outcomes,
            "breakdown": breakdown,
            "algorithm_time": algorithm_time,
            "timing": {
                "import_s": run.import_time.as_secs_f64(),
                "analysis_s": run.analysis_time.as_secs_f64(),
                "output_s": output_s,
            },
            "scan": scan,
            "errors": errors,
        },
    });
    let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// One CSV row per series: name, counts, outcome, datapoint, votes, and each
/// algorithm's vote (1/0, empty when it did not run).
pub fn anomaly_csv(run: &AnomalyRun) -> Vec<u8> {
    let mut out = String::from("name,points,dropped,duplicates,outcome,datapoint,votes");
    for a in Algorithm::ALL {
        out.push(',');
        out.push_str(a.name());
    }
    out.push('\n');
    for s in &run.series {
        let name = csv_text(&s.name);
        let _ = write!(
            out,
            "{name},{},{},{},{},{},{}",
            s.points,
            s.dropped,
            s.duplicates,
            s.judgement.outcome.name(),
            s.judgement
                .datapoint
                .map(|v| v.to_string())
                .unwrap_or_default(),
            s.judgement.vote_count()
        );
        for a in Algorithm::ALL {
            let cell = s
                .judgement
                .votes
                .iter()
                .find(|(b, _)| *b == a)
                .map_or("", |(_, v)| if v.vote { "1" } else { "0" });
            out.push(',');
            out.push_str(cell);
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// The file name of a series' points CSV: its name with every character
/// outside `[A-Za-z0-9._-]` replaced by `_`, then `.csv`.
pub fn points_file_name(series: &str) -> String {
    let safe: String = series
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.csv")
}

/// A scanned series point by point: `timestamp,value,votes,score`, time
/// order, timestamps ISO 8601 UTC.
pub fn points_csv(scanned: &Scanned) -> Vec<u8> {
    let mut out = String::with_capacity(48 * scanned.series.points.len() + 32);
    out.push_str("timestamp,value,votes,score\n");
    for (i, &(t, v)) in scanned.series.points.iter().enumerate() {
        let _ = writeln!(
            out,
            "{},{v},{},{:.4}",
            iso_time(t),
            scanned.scan.votes[i],
            scanned.scan.score[i]
        );
    }
    out.into_bytes()
}

/// The HTML report of an anomaly run: the outcome counts, then one row per
/// series with its outcome, last value and every algorithm's vote (statistic
/// and threshold on hover), anomalous series first.
pub fn anomaly_html(run: &AnomalyRun) -> Vec<u8> {
    use crate::export::html::{Section, escape, report};
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<p>{}; judged at {} UTC.</p>",
        escape(&run.outcome_line()),
        escape(&crate::time::format_iso(run.now_us)),
    );
    h.push_str("<table><tr><th class=\"l\">series</th><th>points</th><th class=\"l\">outcome</th><th>last value</th><th>votes</th>");
    for a in &run.enabled {
        let _ = write!(h, "<th>{}</th>", escape(a.name()));
    }
    h.push_str("</tr>\n");
    let mut order: Vec<&crate::anomaly::run::SeriesResult> = run.series.iter().collect();
    order.sort_by_key(|s| std::cmp::Reverse(s.judgement.vote_count()));
    for s in order {
        let _ = write!(
            h,
            "<tr><td class=\"l\">{}</td><td>{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td>",
            escape(&s.name),
            s.points,
            s.judgement.outcome.name(),
            s.judgement
                .datapoint
                .map(|v| format!("{v}"))
                .unwrap_or_default(),
            s.judgement.vote_count()
        );
        for a in &run.enabled {
            match s.judgement.votes.iter().find(|(b, _)| b == a) {
                Some((_, v)) => {
                    let _ = write!(
                        h,
                        "<td title=\"statistic {} threshold {}\">{}</td>",
                        v.statistic,
                        v.threshold,
                        if v.vote { "&#10003;" } else { "" }
                    );
                }
                None => h.push_str("<td></td>"),
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    if !run.errors.is_empty() {
        let _ = writeln!(h, "<h3>Rows that could not be read</h3><ul>");
        for (file, e) in &run.errors {
            let _ = writeln!(
                h,
                "<li>{}:{}: {}</li>",
                escape(file),
                e.line,
                escape(&e.message)
            );
        }
        h.push_str("</ul>\n");
    }
    let subject = run
        .series
        .first()
        .map_or_else(|| "anomaly run".to_string(), |s| s.name.clone());
    report(
        &subject,
        &[Section {
            id: "anomalies",
            title: "Anomalies (Skyline ensemble)".into(),
            body: h,
        }],
    )
}
