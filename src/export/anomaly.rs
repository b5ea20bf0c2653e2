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
    let mut bytes = Vec::new();
    // Writing into memory cannot fail.
    let _ = write_anomaly_json(run, &mut bytes);
    bytes
}

/// Writes the JSON report to `w` series by series (pretty-printed as
/// [`serde_json::to_writer_pretty`] would write it whole), so a run over a
/// million series never holds its report in memory.
pub fn write_anomaly_json(run: &AnomalyRun, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let pretty = |v: &Value, indent: &str| -> String {
        let text = serde_json::to_string_pretty(v).unwrap_or_default();
        text.replace('\n', &format!("\n{indent}"))
    };
    if run.series.is_empty() {
        w.write_all(b"{\n  \"series\": [],\n")?;
    } else {
        w.write_all(b"{\n  \"series\": [\n")?;
        for (i, s) in run.series.iter().enumerate() {
            if i > 0 {
                w.write_all(b",\n")?;
            }
            write!(w, "    {}", pretty(&series_entry(run, s), "    "))?;
        }
        w.write_all(b"\n  ],\n")?;
    }
    write!(w, "  \"summary\": {}\n}}\n", pretty(&summary(run), "  "))
}

/// One series of the JSON report.
fn series_entry(run: &AnomalyRun, s: &crate::anomaly::run::SeriesResult) -> Value {
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
}

/// The summary of the JSON report.
fn summary(run: &AnomalyRun) -> Value {
    let output_s = run.output_time.as_secs_f64();
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
            .map(|s| s.flagged(run.settings.consensus))
            .sum();
        json!({"window": w.label(), "anomalous_points": anomalous})
    });
    json!({
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
    })
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
/// outside `[A-Za-z0-9._-]` replaced by `_` (and a leading `.` too, so it is
/// never a hidden file; an empty name is `_`), then `.csv`.
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
    let stem = super::folder::visible_name(&safe);
    if stem.is_empty() {
        return "_.csv".into();
    }
    format!("{stem}.csv")
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

/// How many series the report draws at most.
const CHARTS: usize = 40;

/// The scanned series worth a look (an anomalous last point or flagged
/// points), most flagged first, each as an inline SVG chart.
fn scan_charts(run: &AnomalyRun, h: &mut String) {
    use crate::export::html::escape;
    let Some(window) = run.scan else { return };
    let consensus = run.settings.consensus;
    let mut worth: Vec<(usize, &crate::anomaly::run::SeriesResult)> = run
        .series
        .iter()
        .map(|s| (s.flagged(consensus), s))
        .filter(|(n, s)| *n > 0 || s.judgement.outcome == Outcome::Anomalous)
        .collect();
    worth.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
    let _ = writeln!(
        h,
        "<h3>Scan over {}</h3><p>{} series with flagged points or an anomalous last point{}. Values in blue, flagged points (at least {consensus} votes) in red, the anomaly score below in orange.</p>",
        escape(&window.label()),
        worth.len(),
        if worth.len() > CHARTS {
            format!("; the {CHARTS} most flagged are drawn")
        } else {
            String::new()
        }
    );
    for (flagged, s) in worth.into_iter().take(CHARTS) {
        let Some(scanned) = &s.scanned else { continue };
        let _ = writeln!(
            h,
            "<h4>{} <small>({flagged} flagged of {} points)</small></h4>",
            escape(&s.name),
            scanned.series.points.len()
        );
        h.push_str(&series_svg(scanned, consensus));
    }
}

/// One scanned series as an inline SVG: the values (lowest and highest per
/// pixel column), its flagged points, and the score as a band under it.
pub fn series_svg(scanned: &Scanned, consensus: usize) -> String {
    use crate::export::html::escape;
    const W: f64 = 900.0;
    const LEFT: f64 = 60.0;
    const PLOT_H: f64 = 150.0;
    const BAND_H: f64 = 40.0;
    const H: f64 = PLOT_H + BAND_H + 40.0;
    let points = &scanned.series.points;
    let mut h = String::new();
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return h;
    };
    let (lo, hi) = (
        first.0 as f64 / 1e6,
        (last.0 as f64 / 1e6).max(first.0 as f64 / 1e6 + 1.0),
    );
    let width = W - LEFT - 10.0;
    let (vmin, vmax) = points
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let span = if vmax > vmin { vmax - vmin } else { 1.0 };
    let x = |t: f64| LEFT + (t - lo) / (hi - lo) * width;
    let y = |v: f64| 10.0 + PLOT_H - (v - vmin) / span * PLOT_H;
    let _ = writeln!(
        h,
        "<svg class=\"timeline\" viewBox=\"0 0 {W} {H}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{} with its flagged points and anomaly score\">",
        escape(&scanned.series.name)
    );
    for (v, label) in [(vmin, vmin), (vmax, vmax)] {
        let _ = writeln!(
            h,
            "<text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{}</text>",
            LEFT - 4.0,
            y(v) + 3.0,
            escape(&format!("{label:.4}"))
        );
    }
    // The time grid first, under the values.
    crate::export::html::svg_time_ticks(
        &mut h,
        (first.0, last.0.max(first.0 + 1_000_000)),
        width,
        |t| x(t as f64 / 1e6),
        (10.0, 10.0 + PLOT_H),
        H - 6.0,
    );
    let line = crate::anomaly::series::min_max_per_column(points, lo, hi, width as usize);
    let path: Vec<String> = line
        .iter()
        .map(|p| format!("{:.1},{:.1}", x(p[0]), y(p[1])))
        .collect();
    let _ = writeln!(
        h,
        "<polyline fill=\"none\" stroke=\"#268bd2\" stroke-width=\"1\" points=\"{}\"/>",
        path.join(" ")
    );
    for i in scanned.scan.anomalous(consensus) {
        let (t, v) = points[i];
        let _ = writeln!(
            h,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#dc322f\"><title>{} value {v}: {}, score {:.3}</title></circle>",
            x(t as f64 / 1e6),
            y(v),
            escape(&crate::time::iso_time(t)),
            crate::text::counted(scanned.scan.votes[i], "vote"),
            scanned.scan.score[i]
        );
    }
    // The score band: the highest score per pixel column.
    let top = 10.0 + PLOT_H + 10.0;
    let mut columns = vec![0.0f32; width as usize + 1];
    for (p, &sc) in points.iter().zip(&scanned.scan.score) {
        let c = ((p.0 as f64 / 1e6 - lo) / (hi - lo) * width) as usize;
        if let Some(slot) = columns.get_mut(c) {
            *slot = slot.max(sc);
        }
    }
    let mut band = format!("{LEFT:.1},{:.1}", top + BAND_H);
    for (c, sc) in columns.iter().enumerate() {
        let _ = write!(
            band,
            " {:.1},{:.1}",
            LEFT + c as f64,
            top + BAND_H - f64::from(*sc) * BAND_H
        );
    }
    let _ = write!(band, " {:.1},{:.1}", LEFT + width, top + BAND_H);
    let _ = writeln!(
        h,
        "<polygon fill=\"#cb4b16\" fill-opacity=\"0.6\" points=\"{band}\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">score</text>",
        LEFT - 4.0,
        top + BAND_H / 2.0
    );
    let _ = writeln!(
        h,
        "<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"end\">UTC</text>",
        LEFT - 4.0,
        H - 6.0
    );
    h.push_str("</svg>\n");
    h
}

/// The HTML report of an anomaly run (its one section).
pub fn anomaly_html(run: &AnomalyRun) -> Vec<u8> {
    let subject = run
        .series
        .first()
        .map_or_else(|| "anomaly run".to_string(), |s| s.name.clone());
    crate::export::html::report(&subject, &[anomaly_section(run)])
}

/// The anomaly section of a report: the outcome counts, then one row per
/// series with its outcome, last value and every algorithm's vote (statistic
/// and threshold on hover), anomalous series first, then the scanned series
/// worth a look as charts.
pub fn anomaly_section(run: &AnomalyRun) -> crate::export::html::Section {
    use crate::export::html::{Section, escape};
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
    scan_charts(run, &mut h);
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
    Section {
        id: "anomalies",
        title: "Anomalies (Skyline ensemble)".into(),
        body: h,
    }
}
