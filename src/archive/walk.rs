//! Reading one hour directory: list it, classify every name, drop tombstoned
//! segments. One call per hour directory; the caller runs them in parallel.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::Path;

use super::Warning;
use super::layout::{EntryKind, HourDir, list_dir};
use super::name::{BadReason, NameClass, SegmentName, classify_name};

/// A segment file found in an hour directory.
#[derive(Debug, Clone)]
pub struct ListedSegment {
    /// File name (raw bytes, needed for "later name" ties and for stat).
    pub name: OsString,
    /// What its name says.
    pub parsed: SegmentName,
}

/// A `.ts` file whose name does not parse.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct BadSegment {
    /// Path relative to the opened path (lossy when not UTF-8).
    pub path: String,
    /// Why it is bad.
    pub reason: String,
}

/// Everything the listing of one hour directory yields.
#[derive(Debug, Default)]
pub struct HourListing {
    /// Parsed segments, in name order.
    pub segments: Vec<ListedSegment>,
    /// Bad segments, in name order.
    pub bad: Vec<BadSegment>,
    /// Problems met (unlisted directory, directories inside the hour, ...).
    pub warnings: Vec<Warning>,
    /// Number of entries listed (dot entries excluded).
    pub entry_count: u64,
}

/// Lists and classifies one hour directory. Never fails: an unreadable directory
/// is a warning and yields no segments.
pub fn list_hour(root: &Path, hour: &HourDir) -> HourListing {
    let mut out = HourListing::default();
    let entries = match list_dir(root, &hour.path, &mut out.warnings) {
        Ok(e) => e,
        Err(e) => {
            out.warnings.push(Warning::new(
                root,
                &hour.path,
                format!("cannot list hour directory: {e}"),
            ));
            return out;
        }
    };
    out.entry_count = entries.len() as u64;
    let mut tombstones: HashSet<&[u8]> = HashSet::new();
    for e in &entries {
        if let Some(stem) = e.name.as_encoded_bytes().strip_suffix(b".tombstone") {
            tombstones.insert(stem);
        }
    }
    let tombstoned = |name: &OsString| {
        !tombstones.is_empty()
            && name
                .as_encoded_bytes()
                .strip_suffix(b".ts")
                .is_some_and(|stem| tombstones.contains(stem))
    };
    for e in &entries {
        if e.kind == EntryKind::Dir {
            out.warnings.push(Warning::new(
                root,
                &hour.path.join(&e.name),
                "directory inside an hour directory; skipped",
            ));
            continue;
        }
        match classify_name(e.name.as_encoded_bytes()) {
            NameClass::Skipped => {}
            _ if tombstoned(&e.name) => {}
            NameClass::Segment(parsed) => out.segments.push(ListedSegment {
                name: e.name.clone(),
                parsed,
            }),
            NameClass::Bad(reason) => {
                let path = hour.path.join(&e.name);
                if reason == BadReason::NotUtf8 {
                    out.warnings
                        .push(Warning::new(root, &path, "segment name is not UTF-8"));
                }
                out.bad.push(BadSegment {
                    path: super::relative_display(root, &path),
                    reason: reason.to_string(),
                });
            }
        }
    }
    out
}
