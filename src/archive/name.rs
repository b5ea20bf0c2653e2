//! Segment file names: `MM:SS.ffffff-DURATION-TYPE-HASH.ts` (specs/segments.md §2, §6).
//!
//! [`classify_name`] decides, from a file name alone, whether a file is skipped
//! (dot files, other extensions), a segment, or a bad segment with a typed reason.
//! Tombstones need the directory listing and are handled by the walk. The parser
//! never allocates on the success path and never panics on any input.

use std::fmt;

/// The kind of a segment, from the `TYPE` field of its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SegmentType {
    /// A complete segment.
    Full,
    /// Complete, but something looked wrong while downloading.
    Suspect,
    /// Download cut short.
    Partial,
    /// Being written; never counted.
    Temp,
}

impl SegmentType {
    /// The word used in segment names and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SegmentType::Full => "full",
            SegmentType::Suspect => "suspect",
            SegmentType::Partial => "partial",
            SegmentType::Temp => "temp",
        }
    }
}

/// A successfully parsed segment name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentName {
    /// Offset of the segment start from the start of its hour directory, µs.
    pub offset_us: i64,
    /// Duration in µs, rounded to the nearest µs (ties to even).
    pub duration_us: i64,
    /// Segment type.
    pub kind: SegmentType,
}

/// Why a `.ts` file is a bad segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadReason {
    /// The name is not valid UTF-8.
    NotUtf8,
    /// Fewer than four `-`-separated fields.
    FieldCount(usize),
    /// The time field is shorter than 5 characters.
    TimeTooShort,
    /// Minute is not two ASCII digits.
    MinuteNotDigits,
    /// Second is not two ASCII digits.
    SecondNotDigits,
    /// Minute above 59.
    MinuteOutOfRange(u32),
    /// Second above 59.
    SecondOutOfRange(u32),
    /// Fraction of a second is not 0-6 ASCII digits.
    BadFraction,
    /// The duration is not a decimal number.
    DurationNotNumber,
    /// The duration is NaN or infinite.
    DurationNotFinite,
    /// The duration exceeds one hour.
    DurationTooLong,
    /// The type word is not full, suspect, partial or temp.
    UnknownType(String),
    /// The hash contains a character outside the URL-safe base64 alphabet.
    HashBadCharacter,
    /// The hash has a length no base64 text can have.
    HashBadLength,
}

impl fmt::Display for BadReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadReason::NotUtf8 => write!(f, "name is not UTF-8"),
            BadReason::FieldCount(n) => {
                write!(f, "expected 4 fields separated by '-', found {n}")
            }
            BadReason::TimeTooShort => write!(f, "time field shorter than MM:SS"),
            BadReason::MinuteNotDigits => write!(f, "minute is not two digits"),
            BadReason::SecondNotDigits => write!(f, "second is not two digits"),
            BadReason::MinuteOutOfRange(m) => write!(f, "minute {m} out of range 0-59"),
            BadReason::SecondOutOfRange(s) => write!(f, "second {s} out of range 0-59"),
            BadReason::BadFraction => write!(f, "fraction of a second is not 0-6 digits"),
            BadReason::DurationNotNumber => write!(f, "duration is not a number"),
            BadReason::DurationNotFinite => write!(f, "duration is not finite"),
            BadReason::DurationTooLong => write!(f, "duration exceeds one hour"),
            BadReason::UnknownType(t) => write!(f, "unknown segment type {t:?}"),
            BadReason::HashBadCharacter => write!(f, "hash is not URL-safe base64"),
            BadReason::HashBadLength => write!(f, "hash length is not a base64 length"),
        }
    }
}

/// What a file name in an hour directory is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameClass {
    /// Not a segment and not a problem: dot file or another extension.
    Skipped,
    /// A segment.
    Segment(SegmentName),
    /// A `.ts` file that does not parse.
    Bad(BadReason),
}

/// Classifies a file name given as raw bytes (file names need not be UTF-8).
pub fn classify_name(name: &[u8]) -> NameClass {
    if name.first() == Some(&b'.') || !name.ends_with(b".ts") {
        return NameClass::Skipped;
    }
    match parse_bytes(name) {
        Ok(seg) => NameClass::Segment(seg),
        // A name that is not UTF-8 is bad for that reason first.
        Err(_) if std::str::from_utf8(name).is_err() => NameClass::Bad(BadReason::NotUtf8),
        Err(reason) => NameClass::Bad(reason),
    }
}

/// Parses a segment file name ending in `.ts`. The caller has already skipped dot files.
pub fn parse_segment_name(name: &str) -> Result<SegmentName, BadReason> {
    parse_bytes(name.as_bytes())
}

/// Splits `MM:SS.ffffff-DURATION-TYPE-HASH` on its first three dashes.
fn split_fields(stem: &[u8]) -> Option<[&[u8]; 4]> {
    let mut cuts = [0usize; 3];
    let mut found = 0;
    for (i, &b) in stem.iter().enumerate() {
        if b == b'-' {
            cuts[found] = i;
            found += 1;
            if found == 3 {
                break;
            }
        }
    }
    (found == 3).then(|| {
        [
            &stem[..cuts[0]],
            &stem[cuts[0] + 1..cuts[1]],
            &stem[cuts[1] + 1..cuts[2]],
            &stem[cuts[2] + 1..],
        ]
    })
}

/// The parser proper, on bytes. Every field it accepts is checked to be ASCII
/// (or valid UTF-8 for the time field and a temp hash), so an accepted name is
/// valid UTF-8 without validating it whole.
fn parse_bytes(name: &[u8]) -> Result<SegmentName, BadReason> {
    let stem = name.strip_suffix(b".ts").ok_or(BadReason::FieldCount(0))?;
    let Some([time, duration, kind, hash]) = split_fields(stem) else {
        let dashes = stem.iter().filter(|&&b| b == b'-').count();
        return Err(BadReason::FieldCount(dashes.min(3) + 1));
    };
    let offset_us = parse_time_field(time)?;
    let duration_us = parse_duration_bytes(duration)?;
    let kind = match kind {
        b"full" => SegmentType::Full,
        b"suspect" => SegmentType::Suspect,
        b"partial" => SegmentType::Partial,
        b"temp" => SegmentType::Temp,
        other => {
            let word: String = String::from_utf8_lossy(other).chars().take(40).collect();
            return Err(BadReason::UnknownType(word));
        }
    };
    if kind == SegmentType::Temp {
        if !hash.is_ascii() && std::str::from_utf8(hash).is_err() {
            return Err(BadReason::NotUtf8);
        }
    } else {
        check_hash(hash)?;
    }
    Ok(SegmentName {
        offset_us,
        duration_us,
        kind,
    })
}

/// `MM:SS.ffffff`: minute at chars 0-1, second at chars 3-4, fraction from char 6.
/// Characters 2 and 5 are not checked (wubloader's leniency).
fn parse_time_field(time: &[u8]) -> Result<i64, BadReason> {
    if time.is_ascii() {
        parse_time_chars(time, &time[time.len().min(6)..])
    } else {
        let time = std::str::from_utf8(time).map_err(|_| BadReason::NotUtf8)?;
        // Positions are characters, not bytes: the separators may be any character.
        let mut chars = time.char_indices();
        let mut head = [0u8; 5];
        for slot in &mut head {
            let (_, c) = chars.next().ok_or(BadReason::TimeTooShort)?;
            *slot = if c.is_ascii() { c as u8 } else { b'?' };
        }
        let frac_start = chars
            .next()
            .map_or(time.len(), |(pos, c)| pos + c.len_utf8());
        parse_time_chars(&head, &time.as_bytes()[frac_start..])
    }
}

fn parse_time_chars(head: &[u8], frac: &[u8]) -> Result<i64, BadReason> {
    if head.len() < 5 {
        return Err(BadReason::TimeTooShort);
    }
    let two = |a: u8, b: u8| -> Option<u32> {
        (a.is_ascii_digit() && b.is_ascii_digit())
            .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
    };
    let minute = two(head[0], head[1]).ok_or(BadReason::MinuteNotDigits)?;
    let second = two(head[3], head[4]).ok_or(BadReason::SecondNotDigits)?;
    if minute > 59 {
        return Err(BadReason::MinuteOutOfRange(minute));
    }
    if second > 59 {
        return Err(BadReason::SecondOutOfRange(second));
    }
    if frac.len() > 6 {
        return Err(BadReason::BadFraction);
    }
    let mut micros: i64 = 0;
    for &c in frac {
        if !c.is_ascii_digit() {
            return Err(BadReason::BadFraction);
        }
        micros = micros * 10 + i64::from(c - b'0');
    }
    for _ in frac.len()..6 {
        micros *= 10;
    }
    Ok((i64::from(minute) * 60 + i64::from(second)) * 1_000_000 + micros)
}

/// Longest duration a segment may have, µs (one hour).
pub const MAX_DURATION_US: i64 = 3_600_000_000;

/// Reads a duration in seconds as an exact decimal and rounds it to the nearest µs,
/// ties to even. Accepts `2`, `2.0`, `.5`, `2e0`, `2E+1`, `2.`; NaN and infinities
/// (any case) are [`BadReason::DurationNotFinite`]; values above one hour are bad.
pub fn parse_duration_us(text: &str) -> Result<i64, BadReason> {
    parse_duration_bytes(text.as_bytes())
}

/// Fast path for the usual `S.ffffff` form (1-4 integer digits, 0-6 fraction
/// digits); `None` sends anything else to the general reader.
fn simple_duration(b: &[u8]) -> Option<Result<i64, BadReason>> {
    let dot = b.iter().position(|&c| c == b'.')?;
    let (int, frac) = (&b[..dot], &b[dot + 1..]);
    if int.is_empty() || int.len() > 4 || frac.len() > 6 {
        return None;
    }
    let mut v: i64 = 0;
    for &c in int {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    let mut f: i64 = 0;
    for &c in frac {
        if !c.is_ascii_digit() {
            return None;
        }
        f = f * 10 + i64::from(c - b'0');
    }
    for _ in frac.len()..6 {
        f *= 10;
    }
    let us = v * 1_000_000 + f;
    Some(if us > MAX_DURATION_US {
        Err(BadReason::DurationTooLong)
    } else {
        Ok(us)
    })
}

fn parse_duration_bytes(b: &[u8]) -> Result<i64, BadReason> {
    if let Some(result) = simple_duration(b) {
        return result;
    }
    let text = std::str::from_utf8(b).map_err(|_| BadReason::DurationNotNumber)?;
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    if ["nan", "inf", "infinity"]
        .iter()
        .any(|w| unsigned.eq_ignore_ascii_case(w))
    {
        return Err(BadReason::DurationNotFinite);
    }
    let mut i = 0;
    // Significant digits (leading zeros dropped), at most 32 kept exactly; any
    // further digit only matters as "non-zero" for rounding.
    let mut digits = [0u8; 32];
    let mut n_digits = 0usize;
    let mut dropped_nonzero = false;
    let mut dropped_count: i64 = 0;
    let mut frac_len: i64 = 0;
    let mut seen_digit = false;
    // Appends a run of digits; returns how many there were.
    let mut digits_run = |i: &mut usize| -> i64 {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            let d = b[*i] - b'0';
            if n_digits > 0 || d != 0 {
                if n_digits < digits.len() {
                    digits[n_digits] = d;
                    n_digits += 1;
                } else {
                    dropped_count += 1;
                    dropped_nonzero |= d != 0;
                }
            }
            *i += 1;
        }
        (*i - start) as i64
    };
    seen_digit |= digits_run(&mut i) > 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        frac_len = digits_run(&mut i);
        seen_digit |= frac_len > 0;
    }
    if !seen_digit {
        return Err(BadReason::DurationNotNumber);
    }
    let mut exp: i64 = 0;
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let negative = if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
            b[i - 1] == b'-'
        } else {
            false
        };
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            exp = exp
                .saturating_mul(10)
                .saturating_add(i64::from(b[i] - b'0'));
            i += 1;
        }
        if i == start {
            return Err(BadReason::DurationNotNumber);
        }
        if negative {
            exp = -exp;
        }
    }
    if i != b.len() {
        return Err(BadReason::DurationNotNumber);
    }
    let digits = &digits[..n_digits];
    if digits.is_empty() {
        return Ok(0);
    }
    // value in µs = 0.d1d2d3... * 10^(point) where point = number of digits before the decimal point.
    let point = (n_digits as i64 + dropped_count)
        .saturating_sub(frac_len)
        .saturating_add(exp)
        .saturating_add(6);
    if point > 10 {
        return Err(BadReason::DurationTooLong); // at least 10^10 µs
    }
    let mut whole: i64 = 0;
    let mut rest_first: Option<u8> = None;
    let mut rest_nonzero = dropped_nonzero;
    if point >= 0 {
        let p = point as usize;
        for k in 0..p {
            whole = whole * 10 + i64::from(digits.get(k).copied().unwrap_or(0));
        }
        if p < digits.len() {
            rest_first = Some(digits[p]);
            rest_nonzero |= digits[p + 1..].iter().any(|&d| d != 0);
        }
    } else {
        // All digits lie at least one place below the µs: value < 0.1 µs unless point == 0.
        rest_first = Some(0);
        rest_nonzero = true;
    }
    let exceeds = whole > MAX_DURATION_US
        || (whole == MAX_DURATION_US && (rest_first.unwrap_or(0) != 0 || rest_nonzero));
    if exceeds {
        return Err(BadReason::DurationTooLong);
    }
    let round_up = match rest_first {
        None => false,
        Some(d) if d > 5 => true,
        Some(5) => rest_nonzero || whole % 2 == 1,
        Some(_) => false,
    };
    Ok(whole + i64::from(round_up))
}

/// Membership table of the URL-safe base64 alphabet.
static BASE64URL: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
        c += 1;
    }
    t
};

/// Hash: URL-safe base64 alphabet, optionally followed by up to two `=` (then the
/// whole hash is a multiple of 4 long); bad when the number of alphabet characters
/// is one more than a multiple of 4.
fn check_hash(hash: &[u8]) -> Result<(), BadReason> {
    let body_len = hash.iter().position(|&c| c == b'=').unwrap_or(hash.len());
    let (body, pad) = hash.split_at(body_len);
    if !body.iter().all(|&c| BASE64URL[usize::from(c)]) {
        return Err(BadReason::HashBadCharacter);
    }
    if pad.len() > 2 || pad.iter().any(|&c| c != b'=') {
        return Err(BadReason::HashBadCharacter);
    }
    if body.len() % 4 == 1 || (!pad.is_empty() && !hash.len().is_multiple_of(4)) {
        return Err(BadReason::HashBadLength);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HASH: &str = "n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg";

    fn seg(name: &str) -> SegmentName {
        match classify_name(name.as_bytes()) {
            NameClass::Segment(s) => s,
            other => panic!("{name}: {other:?}"),
        }
    }

    fn bad(name: &str) -> BadReason {
        match classify_name(name.as_bytes()) {
            NameClass::Bad(r) => r,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn parses_a_full_segment() {
        let s = seg(&format!("07:42.123000-2.0-full-{HASH}.ts"));
        assert_eq!(s.offset_us, (7 * 60 + 42) * 1_000_000 + 123_000);
        assert_eq!(s.duration_us, 2_000_000);
        assert_eq!(s.kind, SegmentType::Full);
    }

    #[test]
    fn every_type_word() {
        for (w, k) in [
            ("full", SegmentType::Full),
            ("suspect", SegmentType::Suspect),
            ("partial", SegmentType::Partial),
        ] {
            assert_eq!(seg(&format!("00:00.0-2.0-{w}-{HASH}.ts")).kind, k);
        }
        let temp = seg("00:00.0-2.0-temp-3f1c6a3e-6c4b-4b7e-9a5d-2c9a1b7e8f00.ts");
        assert_eq!(temp.kind, SegmentType::Temp);
        assert_eq!(
            bad(&format!("00:00.0-2.0-Full-{HASH}.ts")),
            BadReason::UnknownType("Full".into())
        );
        assert!(matches!(
            bad(&format!("00:00.0-2.0-done-{HASH}.ts")),
            BadReason::UnknownType(_)
        ));
    }

    #[test]
    fn skipped_names() {
        for name in [
            ".07:42.1-2.0-full-x.ts",
            "07:42.1-2.0-full-x.json",
            "07:42.1-2.0-full-x.ts.part",
            "07:42.1-2.0-full-x.TS",
            "notes.txt",
            "x.tombstone",
        ] {
            assert_eq!(classify_name(name.as_bytes()), NameClass::Skipped, "{name}");
        }
    }

    #[test]
    fn non_utf8_ts_is_bad() {
        let mut name = b"07:42.1-2.0-full-ab\xff".to_vec();
        name.extend_from_slice(b".ts");
        assert_eq!(classify_name(&name), NameClass::Bad(BadReason::NotUtf8));
        assert_eq!(classify_name(b"\xff.json"), NameClass::Skipped);
    }

    #[test]
    fn field_count() {
        assert_eq!(bad("07:42.1-2.0-full.ts"), BadReason::FieldCount(3));
        assert_eq!(bad("garbage.ts"), BadReason::FieldCount(1));
        assert_eq!(bad("a.ts"), BadReason::FieldCount(1));
        assert_eq!(classify_name(b".ts"), NameClass::Skipped);
        // The hash may contain dashes.
        assert_eq!(seg("00:01.5-2.0-full-ab-c.ts").offset_us, 1_500_000);
    }

    #[test]
    fn time_field_rules() {
        assert_eq!(seg("00:02-2-full-AAAA.ts").offset_us, 2_000_000);
        assert_eq!(seg("00:04.-2-full-AAAA.ts").offset_us, 4_000_000);
        assert_eq!(seg("00:06.5-2-full-AAAA.ts").offset_us, 6_500_000);
        assert_eq!(seg("59:59.999999-0-full-AAAA.ts").offset_us, 3_599_999_999);
        // Separators are not checked.
        assert_eq!(seg("01x02y25-2-full-AAAA.ts").offset_us, 62_250_000);
        assert_eq!(seg("01é02é25-2-full-AAAA.ts").offset_us, 62_250_000);
        assert_eq!(bad("0:02-2-full-AAAA.ts"), BadReason::TimeTooShort);
        assert_eq!(bad("0a:02.0-2-full-AAAA.ts"), BadReason::MinuteNotDigits);
        assert_eq!(bad("00:0 .0-2-full-AAAA.ts"), BadReason::SecondNotDigits);
        assert_eq!(
            bad("60:00.0-2-full-AAAA.ts"),
            BadReason::MinuteOutOfRange(60)
        );
        assert_eq!(
            bad("00:60.0-2-full-AAAA.ts"),
            BadReason::SecondOutOfRange(60)
        );
        assert_eq!(bad("00:00.1234567-2-full-AAAA.ts"), BadReason::BadFraction);
        assert_eq!(bad("00:00.12a-2-full-AAAA.ts"), BadReason::BadFraction);
    }

    #[test]
    fn duration_rules() {
        let d = |s: &str| parse_duration_us(s);
        assert_eq!(d("2"), Ok(2_000_000));
        assert_eq!(d("2.0"), Ok(2_000_000));
        assert_eq!(d(".5"), Ok(500_000));
        assert_eq!(d("2."), Ok(2_000_000));
        assert_eq!(d("2e0"), Ok(2_000_000));
        assert_eq!(d("2E+1"), Ok(20_000_000));
        assert_eq!(d("1.968"), Ok(1_968_000));
        assert_eq!(d("0"), Ok(0));
        assert_eq!(d("0.0000005"), Ok(0)); // tie to even (0)
        assert_eq!(d("0.0000015"), Ok(2)); // tie to even (2)
        assert_eq!(d("0.0000025"), Ok(2));
        assert_eq!(d("0.00000250001"), Ok(3));
        assert_eq!(d("0.00000049999"), Ok(0));
        assert_eq!(d("3600"), Ok(3_600_000_000));
        assert_eq!(d("3600.0000000"), Ok(3_600_000_000));
        assert_eq!(d("3600.0000001"), Err(BadReason::DurationTooLong));
        assert_eq!(d("3601"), Err(BadReason::DurationTooLong));
        assert_eq!(d("1e99999999999999999999"), Err(BadReason::DurationTooLong));
        assert_eq!(d("1e-99999999999999999999"), Ok(0));
        assert_eq!(d("00000000000000000000002.5"), Ok(2_500_000));
        for s in ["nan", "NaN", "inf", "Infinity", "+inf"] {
            assert_eq!(d(s), Err(BadReason::DurationNotFinite), "{s}");
        }
        for s in ["", ".", "e5", "2e", "2.0s", "abc", "2..0", " 2"] {
            assert_eq!(d(s), Err(BadReason::DurationNotNumber), "{s:?}");
        }
        assert_eq!(
            bad("00:00.0-nan-full-AAAA.ts"),
            BadReason::DurationNotFinite
        );
        assert_eq!(
            bad("00:00.0-inf-full-AAAA.ts"),
            BadReason::DurationNotFinite
        );
        assert_eq!(bad("00:00.0-7200-full-AAAA.ts"), BadReason::DurationTooLong);
    }

    #[test]
    fn hash_rules() {
        assert!(seg(&format!("00:00.0-2-full-{HASH}.ts")).duration_us > 0);
        assert_eq!(seg("00:00.0-2-full-.ts").kind, SegmentType::Full); // empty hash decodes
        seg("00:00.0-2-full-AB.ts");
        seg("00:00.0-2-full-AB==.ts");
        seg("00:00.0-2-full-ABC=.ts");
        assert_eq!(bad("00:00.0-2-full-ABCDE.ts"), BadReason::HashBadLength);
        assert_eq!(bad("00:00.0-2-full-A.ts"), BadReason::HashBadLength);
        assert_eq!(bad("00:00.0-2-full-AB=.ts"), BadReason::HashBadLength);
        assert_eq!(bad("00:00.0-2-full-A===.ts"), BadReason::HashBadCharacter);
        assert_eq!(bad("00:00.0-2-full-AB+/.ts"), BadReason::HashBadCharacter);
        assert_eq!(bad("00:00.0-2-full-A=B=.ts"), BadReason::HashBadCharacter);
        // Temp hashes are uuid4s and not checked.
        seg("00:00.0-2-temp-not base64!.ts");
    }

    proptest! {
        #[test]
        fn random_names_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let _ = classify_name(&bytes);
            let mut with_ext = bytes.clone();
            with_ext.extend_from_slice(b".ts");
            let _ = classify_name(&with_ext);
        }

        #[test]
        fn mutated_names_never_panic(pos in 0usize..60, byte in any::<u8>(), cut in 0usize..70) {
            let mut name = format!("07:42.123000-2.0-full-{HASH}.ts").into_bytes();
            let p = pos % name.len();
            name[p] = byte;
            name.truncate(cut.max(1).min(name.len()));
            name.extend_from_slice(b".ts");
            let _ = classify_name(&name);
        }

        #[test]
        fn durations_round_trip(us in 0i64..=MAX_DURATION_US) {
            let text = format!("{}.{:06}", us / 1_000_000, us % 1_000_000);
            prop_assert_eq!(parse_duration_us(&text), Ok(us));
        }

        #[test]
        fn parsed_offsets_stay_in_the_hour(m in 0u32..60, s in 0u32..60, f in 0u32..1_000_000) {
            let name = format!("{m:02}:{s:02}.{f:06}-2.0-full-{HASH}.ts");
            let seg = parse_segment_name(&name).unwrap();
            prop_assert!(seg.offset_us >= 0 && seg.offset_us < 3_600_000_000);
            prop_assert_eq!(seg.offset_us, (i64::from(m) * 60 + i64::from(s)) * 1_000_000 + i64::from(f));
        }
    }
}
