//! The exports of a fleet: the JSON report (every node's coverage figures and
//! the union), the backfill plan as JSON and CSV, and the coverage page.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Value, json};

use super::html::{Section, escape, map_html, report};
use crate::coverage::timeline::StreamCoverage;
use crate::fleet::FleetReport;
use crate::fleet::union::{StreamUnion, union_stream};
use crate::text::{counted, spreadsheet_safe};
use crate::time::{HOUR_US, format_hour, us_to_secs};

/// The fleet's JSON report: per node its coverage report (as `coverage --json`
/// gives it) or its error, and per stream and hour what the fleet has together.
pub fn fleet_json(r: &FleetReport) -> Vec<u8> {
    let nodes: Vec<Value> =
        r.fleet
            .nodes
            .iter()
            .map(|n| {
                let report =
                    n.analysis.as_ref().ok().and_then(|a| {
                        serde_json::from_slice::<Value>(&super::json::to_json(a)).ok()
                    });
                json!({
                    "name": n.spec.name,
                    "source": n.spec.source.display(),
                    "error": n.analysis.as_ref().err(),
                    "report": report,
                })
            })
            .collect();
    let union: Vec<Value> = r.union.iter().map(union_json).collect();
    let value = json!({
        "nodes": nodes,
        "union": union,
        "notes": r.fleet.notes,
    });
    pretty(&value)
}

fn union_json(s: &StreamUnion) -> Value {
    let hours: Vec<Value> = s
        .hours
        .iter()
        .map(|h| {
            json!({
                "hour": format_hour(h.hour_start_us),
                "covered_s": us_to_secs(h.covered_us),
                "coverage_pct": 100.0 * h.covered_us as f64 / HOUR_US as f64,
                "nodes": h.nodes,
            })
        })
        .collect();
    json!({
        "channel": s.channel,
        "quality": s.quality,
        "hours": hours,
        "lost_s": us_to_secs(s.lost.iter().map(|l| l.end_us - l.start_us).sum()),
    })
}

fn pretty<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).unwrap_or_default();
    out.push(b'\n');
    out
}

/// The backfill plan as JSON: `nodes`, `fetches`, `tombstones`, `lost`.
pub fn plan_json(r: &FleetReport) -> Vec<u8> {
    pretty(&r.plan)
}

/// One CSV row per planned fetch: `to,from,path` (cells a spreadsheet would
/// run as a formula are defused, as in every CSV segscope writes).
pub fn plan_csv(r: &FleetReport) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["to", "from", "path"]);
    for f in &r.plan.fetches {
        let _ = w.write_record([
            spreadsheet_safe(&f.to).as_ref(),
            spreadsheet_safe(&f.from).as_ref(),
            spreadsheet_safe(&f.path).as_ref(),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

/// The coverage page: per stream every node's map one under another with the
/// union last, the node-by-hour table, and the plan's counts.
pub fn fleet_html(r: &FleetReport) -> Vec<u8> {
    let subject = r
        .fleet
        .nodes
        .iter()
        .map(|n| n.spec.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    report(
        &format!(
            "fleet of {}: {subject}",
            counted(r.fleet.nodes.len() as u64, "node")
        ),
        &[nodes_section(r), plan_section(r), streams_section(r)],
    )
}

fn nodes_section(r: &FleetReport) -> Section {
    let mut h = String::from(
        "<table><tr><th class=\"l\">node</th><th class=\"l\">source</th><th>streams</th><th>hours</th><th>segments</th><th class=\"l\">state</th></tr>",
    );
    for n in &r.fleet.nodes {
        let (streams, hours, segs, state) = match &n.analysis {
            Ok(a) => (
                a.streams.len().to_string(),
                a.streams
                    .iter()
                    .map(|s| s.hours.len())
                    .sum::<usize>()
                    .to_string(),
                a.segment_total().to_string(),
                if n.unlisted.is_empty() {
                    "read".to_string()
                } else {
                    format!(
                        "read; {} could not be listed",
                        counted(n.unlisted.len() as u64, "hour")
                    )
                },
            ),
            Err(e) => (
                String::new(),
                String::new(),
                String::new(),
                format!("unreadable: {e}"),
            ),
        };
        let _ = write!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\"><code>{}</code></td><td>{streams}</td><td>{hours}</td><td>{segs}</td><td class=\"l\">{}</td></tr>",
            escape(&n.spec.name),
            escape(&n.spec.source.display()),
            escape(&state)
        );
    }
    h.push_str("</table>\n");
    for note in &r.fleet.notes {
        let _ = writeln!(h, "<p>{}</p>", escape(note));
    }
    Section {
        id: "nodes",
        title: "Nodes".into(),
        body: h,
    }
}

fn plan_section(r: &FleetReport) -> Section {
    let p = &r.plan;
    let mut h = String::from(
        "<p>What wubloader's backfiller would copy to each node from the others, from the nodes' listings. \
         Downloads whose content does not match the hash in their name are discarded by the backfiller; a plan made from listings cannot know them.</p>\
         <table><tr><th class=\"l\">to node</th><th>files to fetch</th><th>their duration s</th><th>tombstones</th>\
         <th>tombstones for hours it lacks</th><th>temp skipped</th><th>too recent</th><th>within 1 ms of its own</th>\
         <th>hidden by its own tombstone</th><th>unparsable</th></tr>",
    );
    for n in &p.nodes {
        let _ = write!(
            h,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{:.1}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&n.name),
            n.fetches,
            n.fetch_duration_s,
            n.tombstones,
            n.tombstones_without_hour,
            n.skipped_temp,
            n.skipped_recent,
            n.skipped_near_duplicate,
            n.hidden_by_own_tombstone,
            n.skipped_unparsable
        );
    }
    h.push_str("</table>\n");
    if p.nodes.iter().any(|n| n.tombstones_without_hour > 0) {
        h.push_str("<p><strong>Warning:</strong> a tombstone for an hour its target lacks entirely makes the backfiller's pass from that node fail (the hour's directory does not exist when the tombstone is created).</p>\n");
    }
    let total: f64 = p.lost.iter().map(|l| l.duration_s).sum();
    let _ = writeln!(
        h,
        "<h3>Lost everywhere</h3><p>{} no node covers, {total:.1} s in all.</p>",
        match p.lost.len() {
            1 => "1 stretch".to_string(),
            n => format!("{n} stretches"),
        }
    );
    if !p.lost.is_empty() {
        h.push_str("<details><summary>The stretches</summary><table><tr><th class=\"l\">stream</th><th class=\"l\">start</th><th class=\"l\">end</th><th>s</th><th class=\"l\">not known on</th></tr>");
        for l in &p.lost {
            let _ = write!(
                h,
                "<tr><td class=\"l\">{}/{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{:.3}</td><td class=\"l\">{}</td></tr>",
                escape(&l.channel),
                escape(&l.quality),
                escape(&l.start),
                escape(&l.end),
                l.duration_s,
                escape(&l.not_known_on.join(", "))
            );
        }
        h.push_str("</table></details>\n");
    }
    Section {
        id: "plan",
        title: "Backfill plan".into(),
        body: h,
    }
}

fn streams_section(r: &FleetReport) -> Section {
    let mut h = String::new();
    for s in &r.union {
        let (Some(first), Some(last)) = (s.hours.first(), s.hours.last()) else {
            continue;
        };
        let range = (first.hour_start_us, last.hour_start_us + HOUR_US);
        let _ = writeln!(
            h,
            "<h3>{}/{}</h3><div>",
            escape(&s.channel),
            escape(&s.quality)
        );
        let row = |h: &mut String, label: &str, cov: &StreamCoverage| {
            let _ = write!(h, "<figure><h4>{}</h4>", escape(label));
            map_html(
                h,
                cov,
                range,
                &format!("{label}: {}/{}", s.channel, s.quality),
            );
            h.push_str("</figure>\n");
        };
        for n in &r.fleet.nodes {
            let stream = n
                .analysis
                .as_ref()
                .ok()
                .and_then(|a| a.stream(&s.channel, &s.quality));
            match stream {
                Some(st) => row(&mut h, &n.spec.name, &st.coverage),
                None => {
                    let _ = writeln!(
                        h,
                        "<figure><h4>{}</h4><p>{}</p></figure>",
                        escape(&n.spec.name),
                        if n.is_read() {
                            "No such stream."
                        } else {
                            "Unreadable."
                        }
                    );
                }
            }
        }
        row(
            &mut h,
            "union (at least one node)",
            &union_stream(s).coverage,
        );
        h.push_str("</div>\n<table><tr><th class=\"l\">hour</th>");
        for n in &r.fleet.nodes {
            let _ = write!(h, "<th>{} %</th>", escape(&n.spec.name));
        }
        h.push_str("<th>union %</th></tr>");
        for uh in &s.hours {
            let _ = write!(
                h,
                "<tr><td class=\"l\">{}</td>",
                format_hour(uh.hour_start_us)
            );
            for n in &r.fleet.nodes {
                let pct = n.analysis.as_ref().ok().and_then(|a| {
                    let f = a
                        .stream(&s.channel, &s.quality)?
                        .coverage
                        .hour(uh.hour_start_us)?;
                    Some(100.0 * f.raw_coverage_us as f64 / HOUR_US as f64)
                });
                match pct {
                    Some(p) => {
                        let _ = write!(h, "<td>{p:.2}</td>");
                    }
                    None => h.push_str("<td>–</td>"),
                }
            }
            let _ = write!(
                h,
                "<td>{:.2}</td></tr>",
                100.0 * uh.covered_us as f64 / HOUR_US as f64
            );
        }
        h.push_str("</table>\n");
    }
    Section {
        id: "streams",
        title: "Coverage by node".into(),
        body: h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::Fleet;
    use crate::fleet::plan::{Plan, Transfer};

    #[test]
    fn plan_csv_defuses_formulas_from_node_names_and_paths() {
        let report = FleetReport {
            fleet: Fleet::default(),
            union: Vec::new(),
            plan: Plan {
                fetches: vec![Transfer {
                    to: "=cmd".into(),
                    from: "b".into(),
                    path: "@c/q/h/x.ts".into(),
                }],
                ..Plan::default()
            },
        };
        let text = String::from_utf8(plan_csv(&report)).unwrap();
        assert_eq!(text, "to,from,path\n'=cmd,b,'@c/q/h/x.ts\n");
    }
}
