//! Showing untrusted text safely: names read from an archive or a database may
//! hold escape sequences, newlines or NULs that would rewrite a terminal or split
//! a table row, and cells that a spreadsheet would run as a formula.

use std::borrow::Cow;
use std::path::Path;

/// True for characters that must not reach a terminal raw: C0 controls, DEL and
/// C1 controls (which include the 8-bit CSI).
fn is_control(c: char) -> bool {
    c.is_control()
}

/// `s` with every control character escaped (`\n`, `\t`, `\u{1b}`, …) so it
/// shows as one line and cannot drive a terminal.
pub fn shown(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_control(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path for messages: lossy for non-UTF-8 names, control characters escaped.
pub fn shown_path(p: &Path) -> String {
    shown(&p.to_string_lossy()).into_owned()
}

/// A text cell for CSV that spreadsheet tools will not run as a formula: a cell
/// starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
/// `'` (the usual advice for CSV injection).
pub fn spreadsheet_safe(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// A CSV text cell: defused like [`spreadsheet_safe`], quoted (RFC 4180) when
/// it holds a comma, quote or line break.
pub fn csv_text(s: &str) -> String {
    let s = spreadsheet_safe(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// An age or duration (µs) in a few characters: `4.0s`, `12.5m`, `3.1h`.
pub fn short_age(us: i64) -> String {
    let s = us as f64 / 1e6;
    if s < 120.0 {
        format!("{s:.1}s")
    } else if s < 7200.0 {
        format!("{:.1}m", s / 60.0)
    } else {
        format!("{:.1}h", s / 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(shown("plain/name"), "plain/name");
        assert_eq!(shown("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(shown("two\nlines\t\0"), "two\\nlines\\t\\0");
        assert_eq!(shown("c1\u{9b}31m"), "c1\\u{9b}31m");
        assert_eq!(shown("ünïcode ok"), "ünïcode ok");
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for s in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(spreadsheet_safe(s).starts_with('\''), "{s:?}");
        }
        assert_eq!(spreadsheet_safe("desertbus"), "desertbus");
        assert_eq!(spreadsheet_safe(""), "");
    }

    #[test]
    fn csv_cells_are_defused_and_quoted() {
        assert_eq!(csv_text("plain"), "plain");
        assert_eq!(csv_text("a,b"), "\"a,b\"");
        assert_eq!(csv_text("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_text("=1+1"), "'=1+1");
    }
}
