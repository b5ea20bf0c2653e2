//! Reading a perf table export in any of the forms of specs/perf.md §2 (CSV from
//! Storage Explorer, JSON Lines, a JSON array, an OData `value` or `az storage
//! entity query` `items` object), detected from the content. Entities are read
//! one at a time, so a large export never sits in memory as text or as a JSON
//! tree; every unreadable row becomes a located finding and the rest is read.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::event::{PerfEvent, parse_message, parse_row_key};

/// A row or entity that could not be read (or read only in part).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReadFinding {
    /// Line of the file (CSV, JSON Lines) or entity number (JSON), from 1.
    pub line: usize,
    /// What is wrong.
    pub message: String,
    /// The node of a row that was read in part (a malformed message); `None`
    /// for a row skipped whole.
    pub node: Option<String>,
}

/// The events of an export, grouped by pool (PartitionKey), and what could not be read.
#[derive(Debug, Default)]
pub struct PerfExport {
    /// Events per PartitionKey, in file order.
    pub pools: BTreeMap<String, Vec<PerfEvent>>,
    /// Unreadable rows and messages.
    pub findings: Vec<ReadFinding>,
    /// Rows (entities) read, readable or not.
    pub rows: usize,
}

/// The form an export was detected as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// Storage Explorer CSV.
    Csv,
    /// One JSON entity per line.
    JsonLines,
    /// A JSON array, or an object holding one under `value` or `items`.
    Json,
}

impl Form {
    /// Its name in reports (`csv`, `jsonl`, `json`).
    pub fn key(self) -> &'static str {
        match self {
            Form::Csv => "csv",
            Form::JsonLines => "jsonl",
            Form::Json => "json",
        }
    }
}

/// Why an export could not be read at all.
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be read.
    Io(std::io::Error),
    /// Nothing in it looks like a perf export.
    NotAnExport(String),
    /// The watcher stopped the reading.
    Stopped,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "cannot read the export: {e}"),
            ReadError::NotAnExport(why) => write!(f, "not a perf export: {why}"),
            ReadError::Stopped => write!(f, "reading stopped"),
        }
    }
}

impl std::error::Error for ReadError {}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Reads an export from `input`, detecting its form.
pub fn read_export(input: impl Read) -> Result<(Form, PerfExport), ReadError> {
    read_export_watched(input, &mut |_| true)
}

/// How often (in rows) a reader reports its progress.
pub const PROGRESS_ROWS: usize = 4096;

/// Reads an export like [`read_export`], calling `on_rows` with the rows read
/// so far every [`PROGRESS_ROWS`] rows; when it returns false, reading stops
/// and the error is [`ReadError::Stopped`].
pub fn read_export_watched(
    input: impl Read,
    on_rows: &mut dyn FnMut(usize) -> bool,
) -> Result<(Form, PerfExport), ReadError> {
    let mut reader = BufReader::new(input);
    let form = detect(&mut reader)?;
    let mut out = Reading {
        export: PerfExport::default(),
        names: Interner::default(),
        rows: 0,
        on_rows,
        stopped: false,
    };
    match form {
        Form::Csv => read_csv(reader, &mut out)?,
        Form::JsonLines => read_json_lines(reader, &mut out)?,
        Form::Json => read_json(reader, &mut out),
    }
    if out.stopped {
        return Err(ReadError::Stopped);
    }
    out.export.rows = out.rows;
    Ok((form, out.export))
}

/// An export being read: what is read so far, and who watches.
struct Reading<'a> {
    export: PerfExport,
    names: Interner,
    rows: usize,
    on_rows: &'a mut dyn FnMut(usize) -> bool,
    stopped: bool,
}

impl Reading<'_> {
    /// Counts a row; true when reading must stop.
    fn row_done(&mut self) -> bool {
        self.rows += 1;
        if self.rows.is_multiple_of(PROGRESS_ROWS) && !(self.on_rows)(self.rows) {
            self.stopped = true;
        }
        self.stopped
    }
}

/// Looks at the first bytes (after a BOM and white space): `[` or an object
/// holding `value`/`items` is JSON, another object is JSON Lines, text is CSV.
fn detect(reader: &mut impl BufRead) -> Result<Form, ReadError> {
    let buf = reader.fill_buf()?;
    if let Some(kind) = crate::text::utf16_kind(buf) {
        return Err(ReadError::NotAnExport(format!(
            "it is UTF-16 text ({kind}); save it as UTF-8"
        )));
    }
    let bom = if buf.starts_with(b"\xef\xbb\xbf") {
        3
    } else {
        0
    };
    reader.consume(bom);
    let buf = reader.fill_buf()?;
    let first = buf.iter().find(|b| !b.is_ascii_whitespace()).copied();
    Ok(match first {
        Some(b'[') => Form::Json,
        Some(b'{') => {
            // An object on its own line with the entity keys is JSON Lines; an
            // object whose first key is `value`/`items`/an OData annotation wraps
            // an array.
            let head = String::from_utf8_lossy(&buf[..buf.len().min(4096)]);
            let wrapped = [
                "\"value\"",
                "\"items\"",
                "\"odata.metadata\"",
                "\"@odata.context\"",
            ]
            .iter()
            .any(|k| {
                head.find(k).is_some_and(|at| {
                    !head[..at].contains("\"PartitionKey\"") && !head[..at].contains("\"RowKey\"")
                })
            });
            if wrapped { Form::Json } else { Form::JsonLines }
        }
        Some(_) => Form::Csv,
        None => return Err(ReadError::NotAnExport("the file is empty".into())),
    })
}

/// The fields of one entity that matter, as text (borrowed from the row where
/// it can be).
#[derive(Default)]
struct RawEntity<'a> {
    partition: Option<Cow<'a, str>>,
    row_key: Option<Cow<'a, str>>,
    node: Option<Cow<'a, str>>,
    event: Option<Cow<'a, str>>,
    message: Option<Cow<'a, str>>,
}

/// One shared copy of each node id and event name: an export repeats them on
/// every row.
#[derive(Default)]
struct Interner(HashMap<Box<str>, Arc<str>>);

impl Interner {
    fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.0.get(s) {
            return Arc::clone(a);
        }
        let a: Arc<str> = Arc::from(s);
        self.0.insert(Box::from(s), Arc::clone(&a));
        a
    }
}

/// Turns a raw entity into an event, or findings.
fn accept(raw: RawEntity<'_>, line: usize, out: &mut Reading<'_>) {
    let missing: Vec<&str> = [
        ("PartitionKey", raw.partition.is_none()),
        ("RowKey", raw.row_key.is_none()),
        ("NodeId", raw.node.is_none()),
        ("Event", raw.event.is_none()),
    ]
    .iter()
    .filter(|(_, m)| *m)
    .map(|(n, _)| *n)
    .collect();
    if !missing.is_empty() {
        out.export.findings.push(ReadFinding {
            node: None,
            line,
            message: format!("missing {}; row skipped", missing.join(", ")),
        });
        return;
    }
    let (Some(partition), Some(row_key), Some(node), Some(event)) =
        (raw.partition, raw.row_key, raw.node, raw.event)
    else {
        return;
    };
    let at_us = match parse_row_key(&row_key) {
        Ok(us) => us,
        Err(e) => {
            out.export.findings.push(ReadFinding {
                node: None,
                line,
                message: format!("{e}; row skipped"),
            });
            return;
        }
    };
    let text = raw.message.unwrap_or_default();
    let message: Box<str> = if is_plain_message(&text) {
        // The usual case: already `k=v,k=v` with nothing to trim.
        Box::from(text.as_ref())
    } else {
        let pairs = match parse_message(&text) {
            Ok(m) => m,
            Err(e) => {
                out.export.findings.push(ReadFinding {
                    node: Some(node.to_string()),
                    line,
                    message: format!("{e}; the pieces that parse are kept"),
                });
                text.split(',')
                    .filter_map(|p| p.split_once('='))
                    .filter(|(k, _)| !k.trim().is_empty())
                    .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                    .collect()
            }
        };
        crate::perf::event::join_pairs(&pairs)
    };
    let event_name = if event.bytes().any(|b| b.is_ascii_uppercase() || b == b' ') {
        out.names.get(&event.trim().to_ascii_lowercase())
    } else {
        out.names.get(&event)
    };
    let ev = PerfEvent {
        at_us,
        node: out.names.get(&node),
        event: event_name,
        message,
        line,
    };
    match out.export.pools.get_mut(partition.as_ref()) {
        Some(events) => events.push(ev),
        None => {
            out.export.pools.insert(partition.into_owned(), vec![ev]);
        }
    }
}

/// True when `text` is empty or `key=value` pieces with non-empty keys and no
/// white space at their edges: what parsing would give back unchanged.
fn is_plain_message(text: &str) -> bool {
    text.is_empty()
        || text.split(',').all(|piece| {
            piece
                .split_once('=')
                .is_some_and(|(k, v)| !k.is_empty() && k.trim() == k && v.trim() == v)
        })
}

fn non_empty(s: &str) -> Option<Cow<'_, str>> {
    (!s.is_empty()).then_some(Cow::Borrowed(s))
}

/// Remembers where each line ends while bytes stream through, so a CSV row's
/// byte offset can be named by its line (the csv crate's own line numbers are
/// off by one after CRLF).
struct LineEnds<R> {
    inner: R,
    read: u64,
    ends: std::rc::Rc<std::cell::RefCell<Vec<u64>>>,
}

impl<R: Read> Read for LineEnds<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut ends = self.ends.borrow_mut();
        ends.extend(memchr::memchr_iter(b'\n', &buf[..n]).map(|i| self.read + i as u64));
        self.read += n as u64;
        Ok(n)
    }
}

fn read_csv(reader: impl Read, out: &mut Reading<'_>) -> Result<(), ReadError> {
    let ends = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    // After CRLF the csv crate starts a row at its "\n": count it in.
    let line_of = |byte: u64| ends.borrow().partition_point(|&e| e <= byte) + 1;
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(LineEnds {
            inner: reader,
            read: 0,
            ends: std::rc::Rc::clone(&ends),
        });
    let headers = csv
        .headers()
        .map_err(|e| ReadError::NotAnExport(format!("unreadable CSV header: {e}")))?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(pk), Some(rk)) = (column("PartitionKey"), column("RowKey")) else {
        return Err(ReadError::NotAnExport(
            "the CSV header has no PartitionKey and RowKey columns".into(),
        ));
    };
    let (node, event, message) = (column("NodeId"), column("Event"), column("Message"));
    let mut record = csv::StringRecord::new();
    loop {
        // Where the row starts (an error has no record position: the reader's).
        let before = line_of(csv.position().byte());
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(before, |p| line_of(p.byte()));
                let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).and_then(non_empty);
                accept(
                    RawEntity {
                        partition: cell(Some(pk)),
                        row_key: cell(Some(rk)),
                        node: cell(node),
                        event: cell(event),
                        message: cell(message),
                    },
                    line,
                    out,
                );
            }
            Err(e) => out.export.findings.push(ReadFinding {
                node: None,
                line: before,
                message: format!("unreadable CSV row: {e}"),
            }),
        }
        if out.row_done() {
            break;
        }
    }
    Ok(())
}

/// An entity from a JSON object (strings or numbers as text).
fn from_json(v: &Value) -> Option<RawEntity<'_>> {
    let o = v.as_object()?;
    let text = |k: &str| match o.get(k) {
        Some(Value::String(s)) => non_empty(s),
        Some(Value::Number(n)) => Some(Cow::Owned(n.to_string())),
        _ => None,
    };
    Some(RawEntity {
        partition: text("PartitionKey"),
        row_key: text("RowKey"),
        node: text("NodeId"),
        event: text("Event"),
        message: text("Message"),
    })
}

/// An entity whose fields that matter are strings (or absent or null);
/// other fields are skipped.
#[derive(serde::Deserialize)]
struct FlatEntity<'a> {
    #[serde(rename = "PartitionKey", borrow, default)]
    partition: Option<Cow<'a, str>>,
    #[serde(rename = "RowKey", borrow, default)]
    row_key: Option<Cow<'a, str>>,
    #[serde(rename = "NodeId", borrow, default)]
    node: Option<Cow<'a, str>>,
    #[serde(rename = "Event", borrow, default)]
    event: Option<Cow<'a, str>>,
    #[serde(rename = "Message", borrow, default)]
    message: Option<Cow<'a, str>>,
}

impl<'a> FlatEntity<'a> {
    fn into_raw(self) -> RawEntity<'a> {
        let keep = |c: Option<Cow<'a, str>>| c.filter(|s| !s.is_empty());
        RawEntity {
            partition: keep(self.partition),
            row_key: keep(self.row_key),
            node: keep(self.node),
            event: keep(self.event),
            message: keep(self.message),
        }
    }
}

fn read_json_lines(reader: impl BufRead, out: &mut Reading<'_>) -> Result<(), ReadError> {
    for (i, bytes) in reader.split(b'\n').enumerate() {
        let bytes = bytes?;
        // A line that is not UTF-8 is a located finding; the rest is read.
        let Ok(line) = std::str::from_utf8(&bytes) else {
            out.export.findings.push(ReadFinding {
                node: None,
                line: i + 1,
                message: "not UTF-8 text; line skipped".into(),
            });
            continue;
        };
        if line.trim().is_empty() {
            continue;
        }
        // Most lines are flat objects of strings: read borrowing from the
        // line; anything else (numbers, nesting) goes through a JSON value.
        if let Ok(flat) = serde_json::from_str::<FlatEntity<'_>>(line) {
            accept(flat.into_raw(), i + 1, out);
        } else {
            match serde_json::from_str::<Value>(line)
                .ok()
                .as_ref()
                .and_then(from_json)
            {
                Some(raw) => accept(raw, i + 1, out),
                None => out.export.findings.push(ReadFinding {
                    node: None,
                    line: i + 1,
                    message: "not a JSON object; line skipped".into(),
                }),
            }
        }
        if out.row_done() {
            break;
        }
    }
    Ok(())
}

/// Visits the entities of an array one at a time.
struct Entities<'a, 'b> {
    out: &'a mut Reading<'b>,
    count: usize,
}

impl<'de> Visitor<'de> for &mut Entities<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of entities, or an object with `value` or `items`")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(v) = seq.next_element::<Value>()? {
            self.count += 1;
            match from_json(&v) {
                Some(raw) => accept(raw, self.count, self.out),
                None => self.out.export.findings.push(ReadFinding {
                    node: None,
                    line: self.count,
                    message: "entity is not a JSON object; skipped".into(),
                }),
            }
            if self.out.row_done() {
                return Err(serde::de::Error::custom("reading stopped"));
            }
        }
        Ok(())
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "value" || key == "items" {
                map.next_value_seed(&mut *self)?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for &mut Entities<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

fn read_json(reader: impl Read, out: &mut Reading<'_>) {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut entities = Entities { out, count: 0 };
    if let Err(e) = (&mut entities).deserialize(&mut de) {
        if entities.out.stopped {
            return;
        }
        let at = entities.count + 1;
        entities.out.export.findings.push(ReadFinding {
            node: None,
            line: at,
            message: format!(
                "the JSON breaks off at entity {at} ({e}); the entities before it are read"
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Form, PerfExport) {
        read_export(text.as_bytes()).unwrap()
    }

    const CSV_TYPED: &str = "\u{feff}PartitionKey,RowKey,Timestamp,Event,Event@type,Message,Message@type,NodeId,NodeId@type\r\n\
acct$pool,1497000033.611512,2017-06-09T09:20:33.6Z,nodeprep:start,Edm.String,\"offer=UbuntuServer,sku=16.04-LTS\",Edm.String,tvm-1,Edm.String\r\n\
acct$pool,1497000093.0,2017-06-09T09:21:33Z,nodeprep:end,Edm.String,,,tvm-1,Edm.String\r\n\
acct$other,1497000100.5,x,NODEPREP:START,,,,tvm-9,\r\n\
acct$pool,not-a-time,x,nodeprep:end,,,,tvm-2,\r\n";

    #[test]
    fn storage_explorer_csv_with_types_bom_and_crlf() {
        let (form, e) = read(CSV_TYPED);
        assert_eq!(form, Form::Csv);
        assert_eq!(e.pools.len(), 2, "grouped by PartitionKey");
        let pool = &e.pools["acct$pool"];
        assert_eq!(pool.len(), 2);
        assert_eq!(pool[0].at_us, 1_497_000_033_611_512);
        assert_eq!(pool[0].get("sku"), Some("16.04-LTS"), "quoted commas");
        assert!(
            pool[1].message.is_empty(),
            "an empty cell is an absent message"
        );
        assert_eq!(
            &*e.pools["acct$other"][0].event, "nodeprep:start",
            "lowercased"
        );
        assert_eq!(e.findings.len(), 1);
        assert_eq!(e.findings[0].line, 5);
        assert!(e.findings[0].message.contains("RowKey"), "{:?}", e.findings);
    }

    #[test]
    fn untyped_csv_and_a_broken_message() {
        let (_, e) = read(
            "PartitionKey,RowKey,Timestamp,Event,Message,NodeId\n\
             p,1.5,t,cascade:pull-end,\"img=a,garbage,diff=2\",n\n",
        );
        let ev = &e.pools["p"][0];
        assert_eq!(ev.get("img"), Some("a"));
        assert_eq!(ev.get("diff"), Some("2"), "the pieces that parse are kept");
        assert_eq!(e.findings[0].line, 2);
    }

    #[test]
    fn json_lines_arrays_odata_and_az_items() {
        let entity = r#"{"PartitionKey":"p","RowKey":"10.0","NodeId":"n","Event":"nodeprep:start","Message":"offer=a,sku=b","@odata.type":"x"}"#;
        // A RowKey written as a number, and an escaped message, are read too.
        let numeric = r#"{"PartitionKey":"p","RowKey":11.5,"NodeId":"n","Event":"nodeprep:end","Message":"a=\u0062"}"#;
        let lines = format!("{entity}\n\n{entity}\nnot json\n{numeric}\n");
        let (form, e) = read(&lines);
        assert_eq!(form, Form::JsonLines);
        assert_eq!(e.pools["p"].len(), 3);
        assert_eq!(e.findings[0].line, 4);
        assert_eq!(e.pools["p"][2].at_us, 11_500_000);
        assert_eq!(e.pools["p"][2].get("a"), Some("b"));
        for wrapped in [
            format!("[{entity},{entity}]"),
            format!("{{\"odata.metadata\":\"m\",\"value\":[{entity},{entity}]}}"),
            format!("{{\"items\":[{entity},{entity}],\"nextMarker\":{{}}}}"),
        ] {
            let (form, e) = read(&wrapped);
            assert_eq!(form, Form::Json, "{wrapped}");
            assert_eq!(e.pools["p"].len(), 2, "{wrapped}");
            assert!(e.findings.is_empty(), "{:?}", e.findings);
            assert_eq!(e.pools["p"][1].line, 2, "entities are numbered");
        }
        // Cut off in the middle: what came before is kept, the break is located.
        let (_, e) = read(&format!("[{entity},{entity},{{\"Partit"));
        assert_eq!(e.pools["p"].len(), 2);
        assert_eq!(e.findings.len(), 1);
        assert_eq!(e.findings[0].line, 3);
    }

    #[test]
    fn not_an_export_is_an_error() {
        assert!(read_export(&b""[..]).is_err());
        assert!(read_export(&b"a,b,c\n1,2,3\n"[..]).is_err());
    }
}
