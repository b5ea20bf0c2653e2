//! The HTML report's timing section: per pool, graph.py's stacked bar chart and
//! the phase distributions as inline SVG, the summary table, the slowest nodes
//! with the phase to blame, the findings and every node's timings.

use std::fmt::Write as _;

use super::{all_findings, open_phases};
use crate::export::html::{Section, escape, report};
use crate::perf::summary::{Metric, Stats, metric_stats, slowest};
use crate::perf::timings::NodeTimings;
use crate::perf::{PerfAnalysis, PoolTimings};
use crate::time::format_iso;

/// Colours of graph.py's stacked phases, bottom first.
pub const STACK_COLOURS: [&str; 4] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"];

const W: f64 = 1000.0;
const H: f64 = 260.0;
const LEFT: f64 = 56.0;
const BOTTOM: f64 = 36.0;

/// A round step for an axis of `max` over about `n` ticks.
fn nice_step(max: f64, n: f64) -> f64 {
    let raw = (max / n).max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

/// graph.py's chart: one bar per node at its start, its stacked phases. Nodes
/// sharing a pixel column are drawn as the tallest of them, so the chart
/// stays small for 10,000 nodes.
pub fn stacked_bars_svg(pool: &PoolTimings) -> String {
    let placed: Vec<(i64, &NodeTimings, f64)> = pool
        .nodes
        .iter()
        .filter_map(|n| Some((n.start_us?, n, Metric::Total.value(n)?)))
        .collect();
    let mut h = String::new();
    let (Some(t0), Some(t1)) = (
        placed.iter().map(|p| p.0).min(),
        placed.iter().map(|p| p.0).max(),
    ) else {
        return "<p>No node has both a start and a finished total.</p>\n".into();
    };
    let ymax = placed.iter().map(|p| p.2).fold(0.0f64, f64::max).max(1e-3);
    let plot_w = W - LEFT - 10.0;
    let plot_h = H - BOTTOM - 10.0;
    let span = (t1 - t0).max(1) as f64;
    let columns = plot_w as usize;
    let mut tallest: Vec<Option<(&NodeTimings, f64)>> = vec![None; columns + 1];
    for &(t, n, total) in &placed {
        let c = (((t - t0) as f64 / span) * (columns - 1) as f64).round() as usize;
        if tallest[c].is_none_or(|(_, best)| total > best) {
            tallest[c] = Some((n, total));
        }
    }
    let bar_w = (plot_w / placed.len().max(1) as f64).clamp(1.0, 12.0);
    let _ = writeln!(
        h,
        "<svg class=\"timeline\" viewBox=\"0 0 {W} {H}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"stacked start-up phases per node\">"
    );
    let step = nice_step(ymax, 5.0);
    let mut y = 0.0;
    while y <= ymax * 1.0001 {
        let py = 10.0 + plot_h - y / ymax * plot_h;
        let _ = writeln!(
            h,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{py:.1}\" y2=\"{py:.1}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{y}s</text>",
            W - 10.0,
            LEFT - 4.0,
            py + 3.0
        );
        y += step;
    }
    // The time grid first, under the bars.
    crate::export::html::svg_time_ticks(
        &mut h,
        (t0, t1.max(t0 + 1_000_000)),
        plot_w,
        |t| LEFT + (t - t0) as f64 / span * plot_w,
        (10.0, 10.0 + plot_h),
        10.0 + plot_h + 14.0,
    );
    for (c, entry) in tallest.iter().enumerate() {
        let Some((node, _)) = entry else { continue };
        let x = LEFT + c as f64;
        let mut base = 0.0;
        let mut tip = escape(&node.node_id);
        for (m, colour) in Metric::STACKED.iter().zip(STACK_COLOURS) {
            let v = m.value(node).unwrap_or(0.0);
            let _ = write!(tip, "\n{}: {v:.3} s", m.label());
            if v <= 0.0 {
                continue;
            }
            let y0 = 10.0 + plot_h - (base + v) / ymax * plot_h;
            let hgt = v / ymax * plot_h;
            let _ = write!(
                h,
                "<rect x=\"{x:.1}\" y=\"{y0:.2}\" width=\"{bar_w:.1}\" height=\"{hgt:.2}\" fill=\"{colour}\"/>"
            );
            base += v;
        }
        let _ = writeln!(
            h,
            "<rect x=\"{x:.1}\" y=\"10\" width=\"{bar_w:.1}\" height=\"{plot_h}\" fill=\"transparent\"><title>{tip}</title></rect>"
        );
    }
    let _ = writeln!(
        h,
        "<text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">node prep start (UTC)</text></svg>",
        W / 2.0,
        H - 4.0
    );
    h.push_str("<p class=\"legend\">");
    for (m, colour) in Metric::STACKED.iter().zip(STACK_COLOURS) {
        let _ = write!(
            h,
            "<span style=\"background:{colour}\"></span>{}",
            m.label()
        );
    }
    h.push_str("</p>\n");
    h
}

/// Box plots of every metric: box p25-p75, line at the median, whiskers min
/// to max, a tick at p95.
pub fn distributions_svg(pool: &PoolTimings) -> String {
    let rows: Vec<(Metric, Stats)> = Metric::ALL
        .iter()
        .filter_map(|&m| Some((m, metric_stats(&pool.nodes, m)?)))
        .filter(|(_, s)| s.max > 0.0)
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let xmax = rows.iter().map(|r| r.1.max).fold(0.0f64, f64::max);
    let label_w = 130.0;
    let row_h = 22.0;
    let height = rows.len() as f64 * row_h + 30.0;
    let plot_w = W - label_w - 20.0;
    let x = |v: f64| label_w + v / xmax * plot_w;
    let mut h = format!(
        "<svg class=\"timeline\" viewBox=\"0 0 {W} {height}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"distribution of each phase\">\n"
    );
    let step = nice_step(xmax, 8.0);
    let mut t = 0.0;
    while t <= xmax * 1.0001 {
        let _ = writeln!(
            h,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"0\" y2=\"{1}\" stroke=\"#eee\"/><text x=\"{0:.1}\" y=\"{2}\" font-size=\"10\" text-anchor=\"middle\">{t}s</text>",
            x(t),
            height - 22.0,
            height - 8.0
        );
        t += step;
    }
    for (i, (m, s)) in rows.iter().enumerate() {
        let cy = i as f64 * row_h + row_h / 2.0 + 2.0;
        let _ = writeln!(
            h,
            "<g><title>{}: n={} min {:.3} p25 {:.3} p50 {:.3} p75 {:.3} p95 {:.3} max {:.3} s</title>\
             <text x=\"{}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>\
             <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{cy:.1}\" y2=\"{cy:.1}\" stroke=\"#555\"/>\
             <rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"12\" fill=\"#9ecae1\" stroke=\"#3182bd\"/>\
             <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#08306b\" stroke-width=\"2\"/>\
             <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"#d62728\" stroke-width=\"2\"/></g>",
            m.label(),
            s.count,
            s.min,
            s.p25,
            s.p50,
            s.p75,
            s.p95,
            s.max,
            label_w - 6.0,
            cy + 4.0,
            m.label(),
            x(s.min),
            x(s.max),
            x(s.p25),
            cy - 6.0,
            (x(s.p75) - x(s.p25)).max(1.0),
            x(s.p50),
            x(s.p50),
            cy - 7.0,
            cy + 7.0,
            x(s.p95),
            x(s.p95),
            cy - 5.0,
            cy + 5.0,
        );
    }
    h.push_str("</svg>\n<p>Box: 25th to 75th percentile; dark line: median; red tick: 95th percentile; whiskers: min to max.</p>\n");
    h
}

fn pool_html(pool: &PoolTimings, h: &mut String) {
    let _ = writeln!(
        h,
        "<h3>{}</h3><p>{}, {}.</p>",
        escape(&pool.partition_key),
        crate::text::counted(pool.nodes.len() as u64, "node"),
        crate::text::counted(pool.findings.len() as u64, "finding")
    );
    h.push_str(&stacked_bars_svg(pool));
    h.push_str("<h4>Distributions (seconds)</h4>");
    h.push_str(&distributions_svg(pool));
    h.push_str("<table><tr><th class=\"l\">phase</th><th>nodes</th><th>min</th><th>p50</th><th>p95</th><th>max</th></tr>\n");
    for m in Metric::ALL {
        if let Some(s) = metric_stats(&pool.nodes, m) {
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td></tr>",
                m.label(),
                s.count,
                s.min,
                s.p50,
                s.p95,
                s.max
            );
        }
    }
    h.push_str("</table>\n<h4>Slowest nodes</h4><table><tr><th class=\"l\">node</th><th>total s</th><th class=\"l\">slow in</th><th>above its median s</th></tr>\n");
    for s in slowest(&pool.nodes, 10) {
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td>{:.3}</td><td class=\"l\">{}</td><td>{:.3}</td></tr>",
            escape(&pool.nodes[s.index].node_id),
            s.total,
            s.blame.label(),
            s.excess
        );
    }
    h.push_str("</table>\n<h4>Nodes</h4><table><tr><th class=\"l\">node</th><th>start (UTC)</th>");
    for m in Metric::ALL {
        let _ = write!(h, "<th>{}</th>", m.label());
    }
    h.push_str("<th class=\"l\">unfinished</th></tr>\n");
    for n in &pool.nodes {
        let _ = write!(
            h,
            "<tr><td class=\"l\">{}</td><td>{}</td>",
            escape(&n.node_id),
            n.start_us.map(format_iso).unwrap_or_default()
        );
        for m in Metric::ALL {
            match m.value(n) {
                Some(v) => {
                    let _ = write!(h, "<td>{v:.3}</td>");
                }
                None => h.push_str("<td>open</td>"),
            }
        }
        let _ = writeln!(
            h,
            "<td class=\"l\">{}</td></tr>",
            escape(&open_phases(n).join(", "))
        );
    }
    h.push_str("</table>\n");
}

/// The timing section of a perf analysis.
pub fn timing_section(a: &PerfAnalysis) -> Section {
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<p>{} read from <code>{}</code> ({}).</p>",
        crate::text::counted(a.pools.len() as u64, "pool"),
        escape(&a.path),
        a.form.key()
    );
    if a.pools.is_empty() {
        h.push_str("<p>No pool has events.</p>\n");
    }
    for pool in &a.pools {
        pool_html(pool, &mut h);
    }
    let findings = all_findings(a);
    let _ = writeln!(h, "<h3>Findings</h3><p>{} findings.</p>", findings.len());
    if !findings.is_empty() {
        h.push_str("<table><tr><th class=\"l\">pool</th><th>line</th><th class=\"l\">node</th><th class=\"l\">kind</th><th class=\"l\">message</th></tr>\n");
        for f in findings {
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td>{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
                escape(f.pool.unwrap_or("")),
                f.line.map(|l| l.to_string()).unwrap_or_default(),
                escape(f.node),
                f.kind,
                escape(f.message)
            );
        }
        h.push_str("</table>\n");
    }
    Section {
        id: "timings",
        title: "Node start-up timings".into(),
        body: h,
    }
}

/// The HTML report of a perf analysis (its timing section).
pub fn perf_html(a: &PerfAnalysis) -> Vec<u8> {
    report(&a.path, &[timing_section(a)])
}
