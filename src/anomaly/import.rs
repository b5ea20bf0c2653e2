//! Reading series files (specs/anomaly.md, "Series segscope derives by
//! itself" / imported): CSV with a time column and one or more value columns,
//! Graphite render JSON and Prometheus `query_range` JSON. Bad rows are
//! located errors and the rest is read; null and NaN values are dropped and
//! counted by [`Series::new`].

use std::path::Path;

use serde_json::Value;

use super::series::Series;
use crate::time::parse_user_time;

/// A row or value that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// Line (CSV) or series number (JSON), from 1.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The series of one file and what could not be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    /// The series, in file order.
    pub series: Vec<Series>,
    /// Located problems.
    pub errors: Vec<ImportError>,
}

/// A value cell: a number, or `None` for an empty cell, `null` or `NaN`.
fn value_cell(text: &str) -> Result<Option<f64>, String> {
    let t = text.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("null") || t.eq_ignore_ascii_case("nan") {
        return Ok(None);
    }
    t.parse::<f64>()
        .map(|v| v.is_finite().then_some(v))
        .map_err(|_| format!("{t:?} is not a number"))
}

/// Reads `text` (the content of a file named `stem`) as a series file.
pub fn import_text(stem: &str, text: &str) -> Imported {
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('[') || body.starts_with('{') {
        match serde_json::from_str::<Value>(body) {
            Ok(v) => import_json(&v),
            Err(e) => Imported {
                series: Vec::new(),
                errors: vec![ImportError {
                    line: e.line(),
                    message: format!("not JSON: {e}"),
                }],
            },
        }
    } else {
        import_csv(stem, body)
    }
}

/// Why a series file could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportFileError {
    /// The operating system refused.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A CSV with more value columns than one run judges series.
    #[error("{}", super::run::too_many_series(*.0))]
    TooManySeries(usize),
    /// The file is UTF-16 text, which segscope does not read.
    #[error("it is UTF-16 text ({0}); save it as UTF-8")]
    Utf16(&'static str),
}

/// Reads the series file at `path` (named after its stem). Lines that are
/// not UTF-8 are located errors and the rest is read.
pub fn import_file(path: &Path) -> Result<Imported, ImportFileError> {
    let bytes = std::fs::read(path)?;
    let stem = path
        .file_stem()
        .map_or_else(|| "series".into(), |s| s.to_string_lossy().into_owned());
    import_bytes(&stem, &bytes)
}

/// Reads `bytes` (the content of a file named `stem`) as a series file; see
/// [`import_file`].
pub fn import_bytes(stem: &str, bytes: &[u8]) -> Result<Imported, ImportFileError> {
    if let Some(kind) = crate::text::utf16_kind(bytes) {
        return Err(ImportFileError::Utf16(kind));
    }
    // Refused before a column is allocated: each is a series.
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let columns = memchr::memchr_iter(b',', first_line).count();
    if columns > super::run::MAX_SERIES {
        return Err(ImportFileError::TooManySeries(columns));
    }
    let (text, bad_lines) = utf8_lines(bytes);
    let mut imported = import_text(stem, &text);
    imported
        .errors
        .extend(bad_lines.into_iter().map(|line| ImportError {
            line,
            message: "not UTF-8 text; row skipped".into(),
        }));
    imported.errors.sort_by_key(|e| e.line);
    Ok(imported)
}

/// The text of `bytes` with every line that is not UTF-8 left empty (line
/// numbers kept), and those lines' numbers (from 1).
fn utf8_lines(bytes: &[u8]) -> (std::borrow::Cow<'_, str>, Vec<usize>) {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return (text.into(), Vec::new());
    }
    let mut text = String::with_capacity(bytes.len());
    let mut bad = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            text.push('\n');
        }
        match std::str::from_utf8(line) {
            Ok(l) => text.push_str(l),
            Err(_) => bad.push(i + 1),
        }
    }
    (text.into(), bad)
}

/// Whether the first row is a header: its first cell is not a time, and it
/// names a time column (`time`, `timestamp`, …, or nothing) or some other
/// cell is not a number. A row of numbers after a bad time is data, so its
/// time is a located error instead of the file losing its first row.
fn is_header(row: &csv::StringRecord) -> bool {
    let first = row.get(0).unwrap_or("").trim();
    if parse_user_time(first).is_ok() {
        return false;
    }
    let time_name = ["", "time", "timestamp", "date", "datetime", "ts", "t"]
        .iter()
        .any(|n| first.trim_matches('"').eq_ignore_ascii_case(n));
    time_name || row.iter().skip(1).any(|c| value_cell(c).is_err())
}

fn import_csv(stem: &str, text: &str) -> Imported {
    let mut out = Imported::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records().enumerate().peekable();
    let header: Option<Vec<String>> = match records.peek() {
        Some((_, Ok(r))) if is_header(r) => {
            let names = r.iter().map(|c| c.trim().to_string()).collect();
            records.next();
            Some(names)
        }
        _ => None,
    };
    let mut columns: Vec<Vec<(i64, Option<f64>)>> = Vec::new();
    for (i, record) in records {
        let line = i + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.errors.push(ImportError {
                    line,
                    message: format!("unreadable CSV row: {e}"),
                });
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let t = match parse_user_time(record.get(0).unwrap_or("")) {
            Ok(t) => t,
            Err(e) => {
                out.errors.push(ImportError { line, message: e });
                continue;
            }
        };
        let wanted = header.as_ref().map_or(record.len(), Vec::len).max(2) - 1;
        if columns.len() < wanted {
            columns.resize_with(wanted, Vec::new);
        }
        for (c, column) in columns.iter_mut().enumerate() {
            match value_cell(record.get(c + 1).unwrap_or("")) {
                Ok(v) => column.push((t, v)),
                Err(e) => {
                    out.errors.push(ImportError {
                        line,
                        message: format!("column {}: {e}", c + 2),
                    });
                    column.push((t, None));
                }
            }
        }
    }
    let several = columns.len() > 1;
    for (c, points) in columns.into_iter().enumerate() {
        let name = if several {
            let column = header
                .as_ref()
                .and_then(|h| h.get(c + 1))
                .filter(|n| !n.is_empty())
                .cloned()
                .unwrap_or_else(|| format!("value{}", c + 1));
            format!("{stem}/{column}")
        } else {
            stem.to_string()
        };
        out.series.push(Series::new(name, points));
    }
    out
}

/// A JSON time: a number of seconds, or text `parse_user_time` reads.
fn json_time(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => crate::time::parse_unix_seconds(&n.to_string()),
        Value::String(s) => parse_user_time(s).ok(),
        _ => None,
    }
}

/// A JSON value: a number, numeric text, or null / "NaN" (dropped later).
fn json_value(v: &Value) -> Result<Option<f64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64().filter(|x| x.is_finite())),
        Value::String(s) => value_cell(s),
        other => Err(format!("{other} is not a number")),
    }
}

fn import_json(doc: &Value) -> Imported {
    let mut out = Imported::default();
    // Prometheus query_range: {"status": …, "data": {"result": [...]}}.
    if let Some(result) = doc.pointer("/data/result").and_then(Value::as_array) {
        for (i, s) in result.iter().enumerate() {
            let name = prometheus_name(s.get("metric"));
            let values = s.get("values").and_then(Value::as_array);
            let points = pairs(values, i + 1, &mut out, |p| (p.first(), p.get(1)));
            out.series.push(Series::new(name, points));
        }
        return out;
    }
    // Graphite render: [{"target": …, "datapoints": [[value, ts], …]}, …].
    if let Some(list) = doc.as_array() {
        for (i, s) in list.iter().enumerate() {
            let name = s
                .get("target")
                .and_then(Value::as_str)
                .unwrap_or("series")
                .to_string();
            let values = s.get("datapoints").and_then(Value::as_array);
            let points = pairs(values, i + 1, &mut out, |p| (p.get(1), p.first()));
            out.series.push(Series::new(name, points));
        }
        return out;
    }
    out.errors.push(ImportError {
        line: 1,
        message: "neither Graphite render JSON nor a Prometheus query_range response".into(),
    });
    out
}

/// The (time, value) points of one JSON series; `pick` finds the time and the
/// value in a pair.
fn pairs(
    values: Option<&Vec<Value>>,
    line: usize,
    out: &mut Imported,
    pick: impl Fn(&Vec<Value>) -> (Option<&Value>, Option<&Value>),
) -> Vec<(i64, Option<f64>)> {
    let mut points = Vec::new();
    let mut bad = 0usize;
    for pair in values.into_iter().flatten() {
        let Some(pair) = pair.as_array() else {
            bad += 1;
            continue;
        };
        let (t, v) = pick(pair);
        match (t.and_then(json_time), v.map(json_value)) {
            (Some(t), Some(Ok(v))) => points.push((t, v)),
            (Some(t), None) => points.push((t, None)),
            _ => bad += 1,
        }
    }
    if bad > 0 {
        out.errors.push(ImportError {
            line,
            message: format!(
                "series {line}: {bad} points without a readable time or value skipped"
            ),
        });
    }
    points
}

/// A Prometheus series' name: `name{k="v",…}` (labels sorted; `{…}` alone
/// without a metric name).
fn prometheus_name(metric: Option<&Value>) -> String {
    let Some(labels) = metric.and_then(Value::as_object) else {
        return "{}".into();
    };
    let name = labels.get("__name__").and_then(Value::as_str).unwrap_or("");
    let mut pairs: Vec<(&String, String)> = labels
        .iter()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_string)))
        .collect();
    pairs.sort();
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    format!("{name}{{{}}}", inner.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nab_csv_with_a_header_and_located_errors() {
        let text = "timestamp,value\n2014-07-01 00:00:00,10.5\n2014-07-01 00:05:00,\nnot a time,3\n2014-07-01 00:10:00,abc\n1404173400,7\n";
        let got = import_text("nyc_taxi", text);
        assert_eq!(got.series.len(), 1);
        let s = &got.series[0];
        assert_eq!(s.name, "nyc_taxi");
        assert_eq!(s.points.len(), 2, "{s:?}");
        assert_eq!(s.points[0], (1_404_172_800_000_000, 10.5));
        assert_eq!(s.points[1], (1_404_173_400_000_000, 7.0), "Unix seconds");
        assert_eq!(s.dropped, 2, "the empty cell and the bad number");
        let lines: Vec<usize> = got.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![4, 5]);
    }

    #[test]
    fn a_bad_first_row_and_a_bad_byte_are_located_not_fatal() {
        // A bad time in the first data row, with and without a header.
        for (text, line) in [
            (
                "timestamp,value\n2014-07-01T00:0X,1\n1404172800,2\n1404172860,3\n",
                2,
            ),
            ("2014-07-01T00:0X,1\n1404172800,2\n1404172860,3\n", 1),
        ] {
            let got = import_text("s", text);
            assert_eq!(got.series.len(), 1, "{text}");
            assert_eq!(got.series[0].name, "s");
            assert_eq!(got.series[0].points.len(), 2, "{text}");
            let lines: Vec<usize> = got.errors.iter().map(|e| e.line).collect();
            assert_eq!(lines, [line], "{text}");
        }
        let mut bytes = b"time,value\n1404172800,2\n1404172860,3".to_vec();
        bytes.extend_from_slice(b"\xff\n1404172920,4\n");
        let got = import_bytes("s", &bytes).unwrap();
        assert_eq!(got.series[0].points.len(), 2);
        assert_eq!(got.errors.len(), 1);
        assert_eq!(got.errors[0].line, 3);
        assert!(got.errors[0].message.contains("UTF-8"));
    }

    #[test]
    fn utf16_is_named() {
        let text = "time,value\n1404172800,2\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let mut bom = vec![0xff, 0xfe];
        bom.extend_from_slice(&le);
        for (bytes, kind) in [(le, "little"), (be, "big"), (bom, "little")] {
            let err = import_bytes("s", &bytes).unwrap_err().to_string();
            assert!(err.contains("UTF-16") && err.contains(kind), "{err}");
        }
        assert_eq!(crate::text::utf16_kind(b"time,value\n"), None);
    }

    #[test]
    fn several_columns_give_stem_slash_column() {
        let got = import_text("m", "time,cpu,mem\n1700000000,1,2\n1700000060,3,NaN\n");
        let names: Vec<&str> = got.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["m/cpu", "m/mem"]);
        assert_eq!(got.series[1].dropped, 1);
        let bare = import_text("b", "1700000000,1,2\n");
        assert_eq!(bare.series[0].name, "b/value1");
    }

    #[test]
    fn graphite_and_prometheus() {
        let graphite = r#"[{"target":"servers.a.cpu","datapoints":[[1.5,1700000000],[null,1700000060],[2.5,1700000120]]}]"#;
        let got = import_text("x", graphite);
        assert_eq!(got.series[0].name, "servers.a.cpu");
        assert_eq!(got.series[0].points.len(), 2);
        assert_eq!(got.series[0].dropped, 1);
        let prom = r#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"__name__":"up","job":"node","instance":"a:9100"},
             "values":[[1700000000.5,"1"],[1700000015,"NaN"],[1700000030,"0"]]}]}}"#;
        let got = import_text("x", prom);
        let s = &got.series[0];
        assert_eq!(s.name, r#"up{instance="a:9100",job="node"}"#);
        assert_eq!(s.points[0], (1_700_000_000_500_000, 1.0));
        assert_eq!((s.points.len(), s.dropped), (2, 1));
        assert!(
            import_text("x", "{\"a\":1}").errors[0]
                .message
                .contains("Graphite")
        );
    }
}
