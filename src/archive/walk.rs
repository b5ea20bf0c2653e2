//! Reading one hour directory: list it, classify every name, drop tombstoned
//! segments. One call per hour directory; the caller runs them in parallel.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::Path;

use super::Warning;
use super::layout::{Entry, EntryKind, HourDir, list_dir};
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
    list_hour_names(root, hour).0
}

/// [`list_hour`], with the names of the hour's files as listed (dot entries
/// left out, tombstones in; `None` when the directory cannot be listed).
pub fn list_hour_names(root: &Path, hour: &HourDir) -> (HourListing, Option<Vec<String>>) {
    let mut warnings = Vec::new();
    match list_dir(root, &hour.path, &mut warnings) {
        Ok(entries) => {
            let mut out = classify_entries(root, &hour.path, &entries);
            warnings.append(&mut out.warnings);
            out.warnings = warnings;
            let names = entries
                .iter()
                .filter(|e| e.kind != EntryKind::Dir)
                .map(|e| e.name.to_string_lossy().into_owned())
                .collect();
            (out, Some(names))
        }
        Err(e) => {
            warnings.push(Warning::new(
                root,
                &hour.path,
                format!("cannot list hour directory: {e}"),
            ));
            let out = HourListing {
                warnings,
                ..HourListing::default()
            };
            (out, None)
        }
    }
}

/// Classifies the entries of the hour directory `dir` (sorted by name, dot
/// entries already dropped): segments, bad `.ts` names, tombstoned segments
/// dropped, directories reported. Local listings and a restreamer's listings
/// (whose entries are all files) go through this one rule.
pub(crate) fn classify_entries(root: &Path, dir: &Path, entries: &[Entry]) -> HourListing {
    let mut out = HourListing {
        entry_count: entries.len() as u64,
        ..HourListing::default()
    };
    let mut tombstones: HashSet<&[u8]> = HashSet::new();
    for e in entries {
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
    for e in entries {
        if e.kind == EntryKind::Dir {
            out.warnings.push(Warning::new(
                root,
                &dir.join(&e.name),
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
                let path = dir.join(&e.name);
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
