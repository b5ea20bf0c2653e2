//! One perf event (a table entity) and the pieces of it that need parsing:
//! the RowKey timestamp, the `key=value` message and image sizes
//! (specs/perf.md §1).

use std::fmt;
use std::sync::Arc;

/// One event of one node, as read from an export. Compact: an export holds
/// many; node ids and event names are shared, the message is kept as its
/// `key=value` pairs joined by commas.
#[derive(Debug, Clone, PartialEq)]
pub struct PerfEvent {
    /// The event time (RowKey), µs since the epoch.
    pub at_us: i64,
    /// Azure Batch node id.
    pub node: Arc<str>,
    /// `source:event`, lowercase.
    pub event: Arc<str>,
    /// The message's trimmed `key=value` pairs, comma-separated (empty without
    /// a message).
    pub message: Box<str>,
    /// Where it was read: line (or entity number) in its file, from 1.
    pub line: usize,
}

impl PerfEvent {
    /// An event from its parts; `pairs` are the message's.
    pub fn new(
        at_us: i64,
        node: Arc<str>,
        event: Arc<str>,
        pairs: &[(String, String)],
        line: usize,
    ) -> PerfEvent {
        PerfEvent {
            at_us,
            node,
            event,
            message: join_pairs(pairs),
            line,
        }
    }

    /// The value of message key `key`, if present (the first).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.message
            .split(',')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }
}

/// `key=value` pairs joined by commas, as an event keeps its message.
pub fn join_pairs(pairs: &[(String, String)]) -> Box<str> {
    let mut message = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            message.push(',');
        }
        message.push_str(k);
        message.push('=');
        message.push_str(v);
    }
    message.into_boxed_str()
}

/// A RowKey that is not a decimal Unix timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRowKey(pub String);

impl fmt::Display for BadRowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RowKey {:?} is not a decimal Unix timestamp from the year 1900 to 9999",
            self.0
        )
    }
}

/// The earliest event time read, µs: 1900-01-01T00:00:00Z. Times outside
/// 1900..=9999 are no real event's, and their differences could overflow.
pub const MIN_EVENT_US: i64 = -2_208_988_800_000_000;
/// The latest event time read, µs: 9999-12-31T23:59:59.999999Z.
pub const MAX_EVENT_US: i64 = 253_402_300_799_999_999;

/// Converts a RowKey (`1497000033.611512`, `1497000012.0`, `1497000033.6115122`)
/// to µs exactly as Python's `datetime.utcfromtimestamp` does, so times match
/// graph.py's to the microsecond: the value as a double, its fractional part
/// times 10^6 rounded half to even, carried into the seconds at 10^6.
/// Times outside [`MIN_EVENT_US`]..=[`MAX_EVENT_US`] are refused too.
pub fn parse_row_key(text: &str) -> Result<i64, BadRowKey> {
    crate::time::parse_unix_seconds(text)
        .filter(|us| (MIN_EVENT_US..=MAX_EVENT_US).contains(us))
        .ok_or_else(|| BadRowKey(text.to_string()))
}

/// A message piece without `=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadMessage {
    /// The whole message.
    pub message: String,
    /// The piece that is not `key=value`.
    pub piece: String,
}

impl fmt::Display for BadMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "message {:?}: {:?} is not key=value",
            self.message, self.piece
        )
    }
}

/// Splits a message into its `key=value` pairs (empty text: no pairs). Keys and
/// values are trimmed; a value may itself hold `=`.
pub fn parse_message(text: &str) -> Result<Vec<(String, String)>, BadMessage> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|piece| match piece.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                Ok((k.trim().to_string(), v.trim().to_string()))
            }
            _ => Err(BadMessage {
                message: text.to_string(),
                piece: piece.to_string(),
            }),
        })
        .collect()
}

/// An image size in bytes: `456.7 MB`, `457MB`, `ago 457MB` (the trailing number
/// and unit count), decimal units (base 1000, as Docker prints them: B, kB, MB,
/// GB, TB), or plain bytes (`123456789`). `None` when there is no size in it.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    // The unit: trailing letters; the number: the digits and dot before them.
    let unit_start = t
        .rfind(|c: char| !c.is_ascii_alphabetic())
        .map_or(0, |i| i + 1);
    let (head, unit) = t.split_at(unit_start);
    let head = head.trim_end();
    let num_start = head
        .rfind(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or(0, |i| i + 1);
    // The number stands alone: `1e400 MB` or `-5MB` is no size (not 400 MB or 5 MB).
    if !head[..num_start]
        .chars()
        .last()
        .is_none_or(char::is_whitespace)
    {
        return None;
    }
    let number: f64 = head[num_start..].parse().ok()?;
    let scale = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        _ => return None,
    };
    let bytes = number * scale;
    (0.0..1.8e19).contains(&bytes).then(|| bytes.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_keys_round_like_python() {
        assert_eq!(
            parse_row_key("1497000033.611512"),
            Ok(1_497_000_033_611_512)
        );
        assert_eq!(parse_row_key("1497000012.0"), Ok(1_497_000_012_000_000));
        assert_eq!(parse_row_key("1497000012"), Ok(1_497_000_012_000_000));
        for out_of_range in [
            "-9000000000000",
            "9000000000000",
            "253402300800",
            "-2208988801",
        ] {
            assert!(parse_row_key(out_of_range).is_err(), "{out_of_range}");
        }
        // The +1 µs bump after an insert conflict: 7 decimals.
        assert_eq!(
            parse_row_key("1497000033.6115122"),
            Ok(1_497_000_033_611_512)
        );
        assert_eq!(
            parse_row_key("1497000033.6115128"),
            Ok(1_497_000_033_611_513)
        );
        // Carried into the next second.
        assert_eq!(
            parse_row_key("1497000033.9999996"),
            Ok(1_497_000_034_000_000)
        );
        for bad in ["", "abc", "1e9", "12.3.4", "NaN", "inf", "1497000033,5"] {
            assert!(parse_row_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn messages_split_into_pairs() {
        assert_eq!(
            parse_message("img=alpine:3.6,diff=12.5,size=456.7 MB").unwrap(),
            vec![
                ("img".into(), "alpine:3.6".into()),
                ("diff".into(), "12.5".into()),
                ("size".into(), "456.7 MB".into())
            ]
        );
        assert_eq!(parse_message("").unwrap(), vec![]);
        assert_eq!(
            parse_message("grtype=docker,img=a=b").unwrap()[1],
            ("img".into(), "a=b".into())
        );
        let err = parse_message("img=x,garbage").unwrap_err();
        assert_eq!(err.piece, "garbage");
        assert!(parse_message("=x").is_err());
    }

    #[test]
    fn sizes_are_decimal_and_forgiving() {
        assert_eq!(parse_size("456.7 MB"), Some(456_700_000));
        assert_eq!(parse_size("457MB"), Some(457_000_000));
        assert_eq!(parse_size("ago 457MB"), Some(457_000_000));
        assert_eq!(parse_size("1.2GB"), Some(1_200_000_000));
        assert_eq!(parse_size("12 kB"), Some(12_000));
        assert_eq!(parse_size("123456789"), Some(123_456_789));
        assert_eq!(parse_size("10 B"), Some(10));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("1e400 MB"), None, "not 400 MB");
        assert_eq!(parse_size("-5MB"), None);
        assert_eq!(parse_size("1e3"), None);
        assert_eq!(parse_size("12 XB"), None);
        assert_eq!(parse_size(""), None);
    }
}
