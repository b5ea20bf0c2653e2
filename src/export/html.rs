//! The HTML report: one self-contained file (maps embedded as PNG data URIs) with a
//! summary, per-stream maps, per-hour tables, the hole list, bad segments and
//! warnings. The same report from `segscope report` and from the app.

use std::fmt::Write as _;

use base64::Engine as _;

use super::png::{MapLayout, data_hours, encode_png, render_map};
use crate::analysis::Analysis;
use crate::coverage::timeline::HoleKind;
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

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0;font-size:13px}\
td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}td{white-space:nowrap}\
th{background:#f0f0f0}td.l,th.l{text-align:left}\
img.map{image-rendering:pixelated;border:1px solid #ccc;height:600px}\
.legend span{display:inline-block;width:1em;height:1em;vertical-align:middle;margin:0 .3em 0 1em;border:1px solid #999}\
h2{margin-top:1.6em}";

/// Renders the report.
pub fn to_html(analysis: &Analysis) -> Vec<u8> {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>segscope report: {root}</title><style>{STYLE}</style></head><body>\n\
         <h1>Coverage report</h1><p>Archive <code>{root}</code>, {n} streams. Made by segscope {ver}.</p>\n",
        root = escape(&analysis.root),
        n = analysis.streams.len(),
        ver = env!("CARGO_PKG_VERSION"),
    );
    h.push_str("<h2>Summary</h2><table><tr><th class=\"l\">stream</th><th>first start</th><th>last end</th><th>hours</th><th>segments</th><th>raw coverage %</th><th>editable coverage %</th><th>raw holes</th><th>hole time s</th><th>bad segments</th></tr>\n");
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
    h.push_str("</table>\n<h2>Maps</h2><p class=\"legend\">2 s per pixel, 10 minutes per column, 6 columns per hour.\
        <span style=\"background:#1f77b4\"></span>covered<span style=\"background:#ff7f0e\"></span>partial-only\
        <span style=\"background:#fff\"></span>hole or no data</p>\n");
    for s in &analysis.streams {
        let _ = write!(h, "<h3>{}/{}</h3>", escape(&s.channel), escape(&s.quality));
        let Some((a, b)) = data_hours(&s.coverage) else {
            h.push_str("<p>No segments.</p>\n");
            continue;
        };
        let layout = match MapLayout::plan(&s.coverage, a, b) {
            Ok(l) => l,
            Err(e) => {
                let _ = writeln!(h, "<p>No map: {}</p>", escape(&e.to_string()));
                continue;
            }
        };
        match encode_png(&render_map(&s.coverage, &layout)) {
            Ok(png) => {
                let _ = writeln!(
                    h,
                    "<img class=\"map\" alt=\"coverage map of {}/{}\" src=\"data:image/png;base64,{}\">\
                     <p>{} to {} UTC, columns left to right, time top to bottom.</p>",
                    escape(&s.channel),
                    escape(&s.quality),
                    base64::engine::general_purpose::STANDARD.encode(png),
                    format_hour(a),
                    format_hour(b),
                );
                for (from, to) in layout.breaks() {
                    let _ = writeln!(
                        h,
                        "<p>Grey break: no segments from {} to {} (not drawn).</p>",
                        format_hour(from),
                        format_hour(to)
                    );
                }
            }
            Err(e) => {
                let _ = writeln!(h, "<p>No map: {}</p>", escape(&e.to_string()));
            }
        }
    }
    h.push_str("<h2>Hours</h2>\n");
    for s in &analysis.streams {
        let _ = writeln!(
            h,
            "<h3>{}/{}</h3><table><tr><th class=\"l\">hour</th><th>full</th><th>suspect</th><th>partial</th><th>bad</th>\
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
    h.push_str("<h2>Holes</h2><table><tr><th class=\"l\">stream</th><th class=\"l\">kind</th><th class=\"l\">start</th><th class=\"l\">end</th><th>duration s</th></tr>\n");
    for s in &analysis.streams {
        for hole in &s.coverage.holes {
            let _ = writeln!(
                h,
                "<tr><td class=\"l\">{}/{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{:.6}</td></tr>",
                escape(&s.channel),
                escape(&s.quality),
                if hole.kind == HoleKind::Raw {
                    "raw"
                } else {
                    "editable"
                },
                format_iso(hole.span.start_us),
                format_iso(hole.span.end_us),
                us_to_secs(hole.span.duration_us()),
            );
        }
    }
    h.push_str("</table>\n<h2>Bad segments</h2><table><tr><th class=\"l\">path</th><th class=\"l\">reason</th></tr>\n");
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
    h.push_str("</table>\n<h2>Warnings</h2><table><tr><th class=\"l\">path</th><th class=\"l\">message</th></tr>\n");
    for w in &analysis.warnings {
        let _ = writeln!(
            h,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td></tr>",
            escape(&w.path),
            escape(&w.message)
        );
    }
    h.push_str("</table>\n</body></html>\n");
    h.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
