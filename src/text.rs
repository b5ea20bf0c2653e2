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

/// The most characters of one text a message shows; the rest is cut and its
/// length said.
pub const MAX_SHOWN_CHARS: usize = 2000;

/// `s` with every control character escaped (`\n`, `\t`, `\u{1b}`, …) so it
/// shows as one line and cannot drive a terminal; a text longer than
/// [`MAX_SHOWN_CHARS`] is cut there, with its length in bytes said.
pub fn shown(s: &str) -> Cow<'_, str> {
    let Some((cut, _)) = s.char_indices().nth(MAX_SHOWN_CHARS) else {
        return escape_controls(s);
    };
    let mut out = escape_controls(&s[..cut]).into_owned();
    out.push_str(&format!("… [cut: {} bytes in all]", s.len()));
    Cow::Owned(out)
}

/// `Some("little-endian" | "big-endian")` when `bytes` (a file's first bytes)
/// look like UTF-16 text: a byte order mark, or ASCII with every other byte
/// zero. Used to name the encoding instead of calling the file "not UTF-8".
pub fn utf16_kind(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xff, 0xfe, ..] => return Some("little-endian"),
        [0xfe, 0xff, ..] => return Some("big-endian"),
        _ => {}
    }
    let head = &bytes[..bytes.len().min(64) & !1];
    if head.len() < 4 {
        return None;
    }
    let zeros = |offset: usize| head.iter().skip(offset).step_by(2).all(|&b| b == 0);
    if zeros(1) && !zeros(0) {
        Some("little-endian")
    } else if zeros(0) && !zeros(1) {
        Some("big-endian")
    } else {
        None
    }
}

/// `s` with every control character escaped, never cut.
fn escape_controls(s: &str) -> Cow<'_, str> {
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

/// A CSV text cell: control characters escaped as [`shown`] does (a raw ESC
/// or BEL would drive the terminal of whoever `cat`s the file), defused like
/// [`spreadsheet_safe`], quoted (RFC 4180) when it holds a comma or quote.
pub fn csv_text(s: &str) -> String {
    let s = escape_controls(s);
    let s = spreadsheet_safe(&s);
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

/// `n` things, the noun in the singular for one: `counted(1, "hole")` is
/// "1 hole", `counted(3, "hole")` "3 holes"; a noun ending in s ("series")
/// stays as it is.
pub fn counted(n: impl Into<u64>, one: &str) -> String {
    let n: u64 = n.into();
    if n == 1 || one.ends_with('s') {
        format!("{n} {one}")
    } else {
        format!("{n} {one}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_in_the_singular_and_plural() {
        assert_eq!(counted(1u64, "node"), "1 node");
        assert_eq!(counted(3u64, "hour"), "3 hours");
        assert_eq!(counted(1u64, "series"), "1 series");
        assert_eq!(counted(2u64, "series"), "2 series");
        assert_eq!(counted(0u64, "point"), "0 points");
    }

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
        assert_eq!(csv_text("tvm\u{1b}[2J\u{7}"), "tvm\\u{1b}[2J\\u{7}");
        assert_eq!(csv_text("two\nlines"), "two\\nlines");
    }

    #[test]
    fn long_texts_are_cut_with_their_length() {
        let long = "é".repeat(100_000);
        let s = shown(&long);
        assert!(s.chars().count() < MAX_SHOWN_CHARS + 50, "{}", s.len());
        assert!(
            s.ends_with("[cut: 200000 bytes in all]"),
            "{}",
            &s[s.len() - 40..]
        );
        let exact = "a".repeat(MAX_SHOWN_CHARS);
        assert_eq!(shown(&exact), exact);
    }
}
