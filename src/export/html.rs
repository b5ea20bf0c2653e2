//! The HTML report: one self-contained file assembled from sections, each a pure
//! function of its snapshot (coverage now; timing, anomalies and the monitor
//! add theirs). The coverage section opens with what the app shows first: one
//! full-width timeline of every stream (inline SVG, holes red, partial-only
//! orange, with a time axis), then the summary, the wubloader maps (embedded
//! PNGs), per-hour tables, the hole list, bad segments and warnings. The same
//! report from `segscope report`, `coverage --html` and the app.

use std::fmt::Write as _;

use base64::Engine as _;

use super::png::{MapLayout, data_hours, encode_png, render_map};
use crate::analysis::Analysis;
use crate::coverage::timeline::{HoleKind, StreamCoverage};
use crate::time::{format_hour, format_iso, us_to_secs};

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The reports' style. Every report fits the window's width: a wide table
/// scrolls inside its own box, long names and paths wrap, charts and maps
/// scale to the page.
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222;overflow-wrap:anywhere}\
table{border-collapse:collapse;margin:1em 0;font-size:13px;display:block;max-width:100%;overflow-x:auto;width:max-content}\
code{overflow-wrap:anywhere}details{margin:.5em 0}summary{cursor:pointer}\
td,th{border:1px solid #ccc;padding:3px 7px;text-align:right;overflow-wrap:normal}td,th{white-space:nowrap}\
th{background:#f0f0f0}td.l,th.l{text-align:left}\
.maps{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}.maps figure{margin:0;max-width:100%}\
figcaption{font-size:12px;max-width:14em}\
img.map{image-rendering:pixelated;border:1px solid #ccc;max-width:100%;height:auto}\
.legend span{display:inline-block;width:1em;height:1em;vertical-align:middle;margin:0 .3em 0 1em;border:1px solid #999}\
h2{margin-top:1.6em}svg.timeline{width:100%;height:auto;display:block;margin:1em 0}";

/// One part of a report: an anchor, a heading and its HTML.
#[derive(Debug, Clone)]
pub struct Section {
    /// Anchor id (`coverage`, …).
    pub id: &'static str,
    /// Heading.
    pub title: String,
    /// The section's HTML (escaped already).
    pub body: String,
}

/// A whole report of `subject` (an archive path, an export) from its sections,
/// with a table of contents when there are several.
pub fn report(subject: &str, sections: &[Section]) -> Vec<u8> {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>segscope report: {subject}</title><style>{STYLE}</style></head><body>\n\
         <h1>segscope report</h1><p><code>{subject}</code>. Made by segscope {ver}.</p>\n",
        subject = escape(subject),
        ver = env!("CARGO_PKG_VERSION"),
    );
    if sections.len() > 1 {
        h.push_str("<ul>");
        for s in sections {
            let _ = write!(h, "<li><a href=\"#{}\">{}</a></li>", s.id, escape(&s.title));
        }
        h.push_str("</ul>\n");
    }
    for s in sections {
        let _ = writeln!(h, "<h2 id=\"{}\">{}</h2>", s.id, escape(&s.title));
        h.push_str(&s.body);
    }
    h.push_str("</body></html>\n");
    h.into_bytes()
}

/// A wubloader map of `cov` over the hours `[a, b)`, twice its pixels as a
/// wubloader page shows it (never wider than the page), with its captions.
pub fn map_html(h: &mut String, cov: &StreamCoverage, (a, b): (i64, i64), what: &str) {
    let layout = match MapLayout::plan(cov, a, b) {
        Ok(l) => l,
        Err(e) => {
            let _ = writeln!(h, "<p>No map: {}</p>", escape(&e.to_string()));
            return;
        }
    };
    let image = render_map(cov, &layout);
    let png = match encode_png(&image) {
        Ok(png) => png,
        Err(e) => {
            let _ = writeln!(h, "<p>No map: {}</p>", escape(&e.to_string()));
            return;
        }
    };
    let _ = writeln!(
        h,
        "<img class=\"map\" alt=\"coverage map of {}\" width=\"{}\" height=\"{}\" src=\"data:image/png;base64,{}\">\
         <figcaption>{} to {} UTC, columns left to right, time top to bottom.</figcaption>",
        escape(what),
        image.width() * 2,
        image.height() * 2,
        base64::engine::general_purpose::STANDARD.encode(png),
        format_hour(a),
        format_hour(b),
    );
    for (from, to) in layout.breaks() {
        let _ = writeln!(
            h,
            "<figcaption>Grey break: no segments from {} to {} (not drawn).</figcaption>",
            format_hour(from),
            format_hour(to)
        );
    }
}

/// The coverage report of an analysis (one section).
pub fn to_html(analysis: &Analysis) -> Vec<u8> {
    report(&analysis.root, &[coverage_section(analysis)])
}

/// The time axis of an SVG chart over `t0..t1` (µs): a grid line from `top`
/// to `bottom` and a UTC label at `label_y` for every round step (ticks at
/// least 90 units apart on a plot `width` units wide), each placed by `x_of`.
/// Labels say as much as the step needs: dates, minutes or seconds.
pub fn svg_time_ticks(
    h: &mut String,
    (t0, t1): (i64, i64),
    width: f64,
    x_of: impl Fn(i64) -> f64,
    (top, bottom): (f64, f64),
    label_y: f64,
) {
    let (step, ticks) = crate::time::axis_ticks(t0 as f64, t1 as f64, width as f32, 90.0);
    let fmt = if step >= 24 * crate::time::HOUR_US {
        "%Y-%m-%d"
    } else if step >= 60 * 1_000_000 {
        "%m-%d %H:%M"
    } else {
        "%H:%M:%S"
    };
    let (left, right) = (x_of(t0), x_of(t1));
    for t in ticks {
        let x = x_of(t);
        let label = chrono::DateTime::from_timestamp_micros(t)
            .map(|d| d.format(fmt).to_string())
            .unwrap_or_default();
        let anchor = if x > right - 45.0 {
            "end"
        } else if x < left + 45.0 {
            "start"
        } else {
            "middle"
        };
        let _ = write!(
            h,
            "<line x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{bottom}\" stroke=\"#ddd\"/><text x=\"{x:.1}\" y=\"{label_y}\" font-size=\"10\" text-anchor=\"{anchor}\" fill=\"#555\">{label}</text>"
        );
    }
}

/// Width of the report's timeline, in SVG units (it scales to the page).
const TIMELINE_W: usize = 1200;
const LABEL_W: usize = 170;
const LANE_H: usize = 22;
const AXIS_H: usize = 22;

/// One full-width timeline of every stream across the archive's span: covered
/// blue, holes red, partial-only orange, no data left blank, with a time axis
/// (UTC). Pixels are measured exactly from each stream's coverage.
pub fn timeline_svg(analysis: &Analysis) -> String {
    let Some((t0, t1)) = analysis.time_extent().filter(|(a, b)| b > a) else {
        return String::new();
    };
    let plot_w = TIMELINE_W - LABEL_W;
    let height = AXIS_H + analysis.streams.len() * (LANE_H + 4);
    let mut h = String::new();
    let _ = write!(
        h,
        "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {TIMELINE_W} {height}\" role=\"img\" aria-label=\"coverage timeline\" font-family=\"sans-serif\" font-size=\"11\">"
    );
    svg_time_ticks(
        &mut h,
        (t0, t1),
        plot_w as f64,
        |t| LABEL_W as f64 + (t - t0) as f64 / (t1 - t0) as f64 * plot_w as f64,
        (AXIS_H as f64, height as f64),
        14.0,
    );
    for (i, s) in analysis.streams.iter().enumerate() {
        let y = AXIS_H + i * (LANE_H + 4);
        let _ = write!(
            h,
            "<text x=\"4\" y=\"{}\" fill=\"#222\">{}/{}</text>",
            y + LANE_H / 2 + 4,
            escape(&s.channel),
            escape(&s.quality)
        );
        let mix =
            crate::coverage::lod::lane_mix(&s.coverage, &s.mix_index, t0 as f64, t1 as f64, plot_w);
        // Runs of one colour become one rectangle.
        let colour = |m: &crate::coverage::raster::PixelMix| {
            if m.hole_us > 0 {
                Some("#d62728")
            } else if m.partial_only_us > 0 {
                Some("#ff7f0e")
            } else if m.covered_us > 0 {
                Some("#1f77b4")
            } else {
                None
            }
        };
        let mut x = 0;
        while x < mix.len() {
            let c = colour(&mix[x]);
            let start = x;
            while x < mix.len() && colour(&mix[x]) == c {
                x += 1;
            }
            if let Some(c) = c {
                let _ = write!(
                    h,
                    "<rect x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{LANE_H}\" fill=\"{c}\"/>",
                    LABEL_W + start,
                    x - start
                );
            }
        }
    }
    h.push_str("</svg>\n");
    h
}

/// Gaps listed in the report before the rest are folded away.
const GAPS_SHOWN: usize = 100;

/// Every hole of every stream by gap, in time order: a raw hole and the
/// editable hole of the same span are one row ("raw + editable").
fn gaps(analysis: &Analysis) -> Vec<(String, &'static str, crate::coverage::timeline::Interval)> {
    let mut rows = Vec::new();
    for s in &analysis.streams {
        let name = format!("{}/{}", s.channel, s.quality);
        let mut holes: Vec<_> = s.coverage.holes.iter().collect();
        holes.sort_by_key(|h| (h.span.start_us, h.span.end_us, h.kind));
        let mut i = 0;
        while i < holes.len() {
            let twin = holes
                .get(i + 1)
                .is_some_and(|n| n.span == holes[i].span && n.kind != holes[i].kind);
            let kind = match (twin, holes[i].kind) {
                (true, _) => "raw + editable",
                (false, HoleKind::Raw) => "raw",
                (false, _) => "editable",
            };
            rows.push((name.clone(), kind, holes[i].span));
            i += if twin { 2 } else { 1 };
        }
    }
    rows.sort_by_key(|r| (r.2.start_us, r.2.end_us));
    rows
}

/// The holes, one row per gap; past [`GAPS_SHOWN`] the rest folded in a
/// `<details>`.
fn holes_html(h: &mut String, analysis: &Analysis) {
    let rows = gaps(analysis);
    let _ = writeln!(
        h,
        "<h3>Holes</h3><p>{}, one row per gap: a raw hole and the editable hole of the same span are one row.</p>",
        crate::text::counted(rows.len() as u64, "gap")
    );
    let header = "<table><tr><th class=\"l\">stream</th><th class=\"l\">kind</th><th class=\"l\">start</th><th class=\"l\">end</th><th>duration s</th></tr>\n";
    let (shown, rest) = rows.split_at(rows.len().min(GAPS_SHOWN));
    for (part, chunk) in [shown, rest].into_iter().enumerate() {
        if chunk.is_empty() {
            continue;
        }
        if part == 1 {
            let _ = write!(
                h,
                "<details><summary>{} more</summary>",
                crate::text::counted(chunk.len() as u64, "gap")
            );
        }
        h.push_str(header);
        for (name, kind, span) in chunk {
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td class=\"l\">{kind}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{:.6}</td></tr>",
                escape(name),
                format_iso(span.start_us),
                format_iso(span.end_us),
                us_to_secs(span.duration_us()),
            );
        }
        h.push_str("</table>\n");
        if part == 1 {
            h.push_str("</details>\n");
        }
    }
}

/// The coverage section: the timeline, summary, maps, hours, holes, bad
/// segments and warnings of an analysis.
pub fn coverage_section(analysis: &Analysis) -> Section {
    let mut h = String::new();
    let _ = writeln!(
        h,
        "<p>{} streams. <span class=\"legend\"><span style=\"background:#1f77b4\"></span>covered<span style=\"background:#ff7f0e\"></span>partial-only<span style=\"background:#d62728\"></span>hole</span></p>",
        analysis.streams.len()
    );
    h.push_str(&timeline_svg(analysis));
    h.push_str("<h3>Summary</h3><table><tr><th class=\"l\">stream</th><th>first start</th><th>last end</th><th>hours</th><th>segments</th><th>raw coverage %</th><th>editable coverage %</th><th>raw holes</th><th>hole time s</th><th>bad segments</th></tr>\n");
    for s in &analysis.streams {
        let m = s.summary();
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}/{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{}</td><td>{:.3}</td><td>{}</td></tr>",
            escape(&s.channel),
            escape(&s.quality),
            s.coverage
                .first_start_us
                .map(format_iso)
                .unwrap_or_default(),
            s.coverage.last_end_us.map(format_iso).unwrap_or_default(),
            m.hours,
            m.segments,
            m.raw_pct,
            m.editable_pct,
            m.raw_holes,
            m.raw_hole_secs,
            m.bad,
        );
    }
    h.push_str("</table>\n<h3>Maps</h3><p class=\"legend\">2 s per pixel, 10 minutes per column, 6 columns per hour.\
        <span style=\"background:#1f77b4\"></span>covered<span style=\"background:#ff7f0e\"></span>partial-only\
        <span style=\"background:#fff\"></span>hole or no data</p>\n<div class=\"maps\">");
    for s in &analysis.streams {
        let _ = write!(
            h,
            "<figure><h4>{}/{}</h4>",
            escape(&s.channel),
            escape(&s.quality)
        );
        match data_hours(&s.coverage) {
            Some(range) => map_html(
                &mut h,
                &s.coverage,
                range,
                &format!("{}/{}", s.channel, s.quality),
            ),
            None => h.push_str("<p>No segments.</p>"),
        }
        h.push_str("</figure>\n");
    }
    h.push_str("</div>\n");
    h.push_str("<h3>Hours</h3>\n");
    for s in &analysis.streams {
        let _ = writeln!(
            h,
            "<h4>{}/{}</h4><table><tr><th class=\"l\">hour</th><th>full</th><th>suspect</th><th>partial</th><th>bad</th>\
             <th>raw coverage s</th><th>editable coverage s</th><th>raw holes</th><th>editable holes</th><th>raw hole s</th>\
             <th>editable hole s</th><th>overlaps full/suspect/partial</th><th>overlap s</th><th>partial-only s</th></tr>",
            escape(&s.channel),
            escape(&s.quality)
        );
        for f in &s.coverage.hours {
            let sec = |us: i64| format!("{:.3}", us_to_secs(us));
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}/{}/{}</td><td>{}</td><td>{}</td></tr>",
                format_hour(f.hour_start_us),
                f.segment_count.full,
                f.segment_count.suspect,
                f.segment_count.partial,
                f.bad_count,
                sec(f.raw_coverage_us),
                sec(f.editable_coverage_us),
                f.raw_holes,
                f.editable_holes,
                sec(f.raw_hole_us),
                sec(f.editable_hole_us),
                f.overlap_count.full,
                f.overlap_count.suspect,
                f.overlap_count.partial,
                sec(f.overlap_duration_us.full
                    + f.overlap_duration_us.suspect
                    + f.overlap_duration_us.partial),
                sec(f.partial_only_us),
            );
        }
        h.push_str("</table>\n");
    }
    holes_html(&mut h, analysis);
    h.push_str("<h3>Bad segments</h3><table><tr><th class=\"l\">path</th><th class=\"l\">reason</th></tr>\n");
    for s in &analysis.streams {
        for b in &s.bad_segments {
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
                escape(&b.path),
                escape(&b.reason)
            );
        }
    }
    h.push_str("</table>\n<h3>Warnings</h3><table><tr><th class=\"l\">path</th><th class=\"l\">message</th></tr>\n");
    for w in &analysis.warnings {
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
            escape(&w.path),
            escape(&w.message)
        );
    }
    h.push_str("</table>\n");
    Section {
        id: "coverage",
        title: "Coverage".into(),
        body: h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::archive::name::SegmentType;
    use crate::coverage::best::{HourSummary, Seg};
    use crate::time::SECOND_US;

    fn analysis() -> Analysis {
        let seg = |start_us, kind| Seg {
            start_us,
            duration_us: 2 * SECOND_US,
            kind,
        };
        // 0-10 s covered, 10-20 s hole, 20-22 s partial, 22-30 s covered.
        let mut best: Vec<Seg> = (0..5)
            .map(|i| seg(i * 2 * SECOND_US, SegmentType::Full))
            .collect();
        best.push(seg(20 * SECOND_US, SegmentType::Partial));
        best.extend((0..4).map(|i| seg((22 + 2 * i) * SECOND_US, SegmentType::Full)));
        let layout = crate::archive::layout::Layout {
            root: "/archive".into(),
            opened_as: crate::archive::layout::OpenedAs::Root,
            streams: vec![crate::archive::layout::StreamDir {
                channel: "chan<1>".into(),
                quality: "src".into(),
                path: "/archive/chan/src".into(),
            }],
            hours: vec![crate::archive::layout::HourDir {
                stream: 0,
                hour_start_us: 0,
                path: "/archive/chan/src/1970-01-01T00".into(),
            }],
            warnings: Vec::new(),
        };
        crate::analysis::assemble(layout, vec![HourSummary::from_best(0, best)])
    }

    #[test]
    fn the_coverage_section_opens_with_a_timeline_of_every_stream() {
        let a = analysis();
        let html = String::from_utf8(to_html(&a)).unwrap();
        let svg_at = html.find("<svg class=\"timeline\"").expect("a timeline");
        assert!(
            svg_at < html.find("<h3>Summary</h3>").unwrap(),
            "before the tables"
        );
        assert!(
            svg_at < html.find("<img class=\"map\"").unwrap(),
            "before the maps"
        );
        let svg = timeline_svg(&a);
        assert!(
            svg.contains("chan&lt;1&gt;/src"),
            "lanes are named, escaped"
        );
        // One red hole rectangle and one orange one, a third of the span and a
        // fifteenth of it wide.
        let plot = (TIMELINE_W - LABEL_W) as f64;
        let width_of = |colour: &str| -> Vec<f64> {
            svg.split("<rect ")
                .filter(|r| r.contains(colour))
                .filter_map(|r| r.split("width=\"").nth(1)?.split('"').next()?.parse().ok())
                .collect()
        };
        let red = width_of("#d62728");
        assert_eq!(red.len(), 1);
        assert!((red[0] - plot / 3.0).abs() <= 2.0, "{red:?}");
        let orange = width_of("#ff7f0e");
        assert_eq!(orange.len(), 1);
        assert!((orange[0] - plot / 15.0).abs() <= 2.0, "{orange:?}");
        assert!(svg.contains("<text x="), "a time axis");
    }

    #[test]
    fn a_report_joins_its_sections_with_a_contents_list() {
        let one = Section {
            id: "a",
            title: "First".into(),
            body: "<p>1</p>".into(),
        };
        let two = Section {
            id: "b",
            title: "Second & last".into(),
            body: "<p>2</p>".into(),
        };
        let html = String::from_utf8(report("/x", &[one, two])).unwrap();
        assert!(html.contains("<a href=\"#b\">Second &amp; last</a>"));
        assert!(html.find("<h2 id=\"a\">").unwrap() < html.find("<h2 id=\"b\">").unwrap());
        assert!(html.ends_with("</body></html>\n"));
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
