//! Which directory was opened (root, channel or quality) and which streams and hour
//! directories it holds (specs/segments.md §1, §6 "Walk and layout").
//!
//! Only directory listings are read here (file types come from the listing, no
//! stat). Symbolic links where a directory is expected are reported, never followed.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::Warning;
use crate::time::{HOUR_US, parse_hour_name};

/// What the opened path turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OpenedAs {
    /// `ROOT`, holding channel directories.
    Root,
    /// `ROOT/CHANNEL`, holding quality directories.
    Channel,
    /// `ROOT/CHANNEL/QUALITY`, holding hour directories.
    Quality,
}

/// One (channel, quality) directory.
#[derive(Debug, Clone)]
pub struct StreamDir {
    /// Channel name.
    pub channel: String,
    /// Quality name.
    pub quality: String,
    /// Path of the quality directory.
    pub path: PathBuf,
}

/// One valid hour directory of a stream.
#[derive(Debug, Clone)]
pub struct HourDir {
    /// Index into [`Layout::streams`].
    pub stream: usize,
    /// Start of the hour, µs since the epoch.
    pub hour_start_us: i64,
    /// Path of the hour directory.
    pub path: PathBuf,
}

/// Which streams and hours to read.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Channels to keep (all when empty).
    pub channels: Vec<String>,
    /// Qualities to keep (all when empty).
    pub qualities: Vec<String>,
    /// Keep hours that intersect `[from, ..)`, µs.
    pub from_us: Option<i64>,
    /// Keep hours that intersect `[.., to)`, µs.
    pub to_us: Option<i64>,
}

impl Selection {
    pub(crate) fn keeps_stream(&self, channel: &str, quality: &str) -> bool {
        (self.channels.is_empty() || self.channels.iter().any(|c| c == channel))
            && (self.qualities.is_empty() || self.qualities.iter().any(|q| q == quality))
    }

    pub(crate) fn keeps_hour(&self, hour_start_us: i64) -> bool {
        self.from_us.is_none_or(|f| hour_start_us + HOUR_US > f)
            && self.to_us.is_none_or(|t| hour_start_us < t)
    }
}

/// The streams and hour directories found under an opened path.
#[derive(Debug, Clone)]
pub struct Layout {
    /// The path as given.
    pub root: PathBuf,
    /// What the path is.
    pub opened_as: OpenedAs,
    /// Streams sorted by (channel, quality).
    pub streams: Vec<StreamDir>,
    /// Hour directories sorted by (stream, hour).
    pub hours: Vec<HourDir>,
    /// Problems met while listing.
    pub warnings: Vec<Warning>,
}

/// Why an archive could not be opened at all.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The path does not exist or cannot be listed.
    #[error("cannot read archive: {source}: {path}")]
    Unreadable {
        /// The opened path.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A recording node that cannot be read (down, or not a restreamer).
    #[error("cannot read node {url}: {reason}")]
    Remote {
        /// The node's base URL.
        url: String,
        /// Why, in words.
        reason: String,
    },
    /// The path is a file, not a directory.
    #[error("not a directory (expected an archive root, channel or quality directory): {0}")]
    NotADirectory(PathBuf),
    /// The path is one hour directory of a stream, not an archive.
    #[error(
        "{path} is an hour directory (segments of one hour); open its stream instead: {quality}"
    )]
    HourDirectory {
        /// The opened path.
        path: PathBuf,
        /// The quality directory holding it.
        quality: PathBuf,
    },
}

/// Kind of a directory entry, from the listing (no stat).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EntryKind {
    Dir,
    Symlink,
    File,
}

pub(crate) struct Entry {
    pub name: OsString,
    pub kind: EntryKind,
}

/// Lists a directory, dropping dot entries. Per-entry errors become warnings.
pub(crate) fn list_dir(
    root: &Path,
    dir: &Path,
    warnings: &mut Vec<Warning>,
) -> io::Result<Vec<Entry>> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                warnings.push(Warning::new(
                    root,
                    dir,
                    format!("listing failed part-way: {e}"),
                ));
                continue;
            }
        };
        let name = entry.file_name();
        if name.as_encoded_bytes().first() == Some(&b'.') {
            continue;
        }
        let kind = match entry.file_type() {
            Ok(t) if t.is_symlink() => EntryKind::Symlink,
            Ok(t) if t.is_dir() => EntryKind::Dir,
            Ok(_) => EntryKind::File,
            Err(e) => {
                warnings.push(Warning::new(
                    root,
                    &entry.path(),
                    format!("cannot read file type: {e}"),
                ));
                continue;
            }
        };
        out.push(Entry { name, kind });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn is_hour_dir(e: &Entry) -> bool {
    e.kind == EntryKind::Dir && e.name.to_str().and_then(parse_hour_name).is_some()
}

/// What a directory listed as `top` is: a quality directory holds hour
/// directories, a channel directory holds directories that do, anything else is
/// taken for an archive root.
fn kind_of(root: &Path, top: &[Entry]) -> OpenedAs {
    if top.iter().any(is_hour_dir) {
        return OpenedAs::Quality;
    }
    let mut ignored = Vec::new();
    let is_channel = top.iter().any(|e| {
        e.kind == EntryKind::Dir
            && list_dir(root, &root.join(&e.name), &mut ignored)
                .is_ok_and(|children| children.iter().any(is_hour_dir))
    });
    if is_channel {
        OpenedAs::Channel
    } else {
        OpenedAs::Root
    }
}

/// What `path` is (root, channel or quality directory), from its listing; `None`
/// when it cannot be listed.
pub fn detect_kind(path: &Path) -> Option<OpenedAs> {
    let top = list_dir(path, path, &mut Vec::new()).ok()?;
    Some(kind_of(path, &top))
}

/// True when `path` is named like an hour directory and holds segment files.
fn looks_like_hour_dir(path: &Path, top: &[Entry]) -> bool {
    own_names(path)
        .0
        .as_deref()
        .and_then(parse_hour_name)
        .is_some()
        && top
            .iter()
            .any(|e| e.kind == EntryKind::File && e.name.as_encoded_bytes().ends_with(b".ts"))
}

/// Detects what `root` is and lists its streams and hour directories.
pub fn discover(root: &Path, selection: &Selection) -> Result<Layout, OpenError> {
    let meta = fs::metadata(root).map_err(|source| OpenError::Unreadable {
        path: root.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(OpenError::NotADirectory(root.to_path_buf()));
    }
    let mut warnings = Vec::new();
    let top = list_dir(root, root, &mut warnings).map_err(|source| OpenError::Unreadable {
        path: root.to_path_buf(),
        source,
    })?;
    let names = own_names(root);
    let mut streams = Vec::new();
    let opened_as = kind_of(root, &top);
    if opened_as == OpenedAs::Root && looks_like_hour_dir(root, &top) {
        let resolved = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        return Err(OpenError::HourDirectory {
            path: root.to_path_buf(),
            quality: resolved.parent().unwrap_or(&resolved).to_path_buf(),
        });
    }
    match opened_as {
        OpenedAs::Quality => {
            streams.push(StreamDir {
                channel: names.1.unwrap_or_default(),
                quality: names.0.unwrap_or_default(),
                path: root.to_path_buf(),
            });
        }
        OpenedAs::Channel => {
            let channel = names.0.unwrap_or_default();
            for quality in child_dirs(root, root, &top, "quality", &mut warnings) {
                streams.push(StreamDir {
                    channel: channel.clone(),
                    path: root.join(&quality),
                    quality,
                });
            }
        }
        OpenedAs::Root => {
            for channel in child_dirs(root, root, &top, "channel", &mut warnings) {
                let cpath = root.join(&channel);
                let qualities = match list_dir(root, &cpath, &mut warnings) {
                    Ok(q) => q,
                    Err(e) => {
                        warnings.push(Warning::new(
                            root,
                            &cpath,
                            format!("cannot list channel directory: {e}"),
                        ));
                        continue;
                    }
                };
                for quality in child_dirs(root, &cpath, &qualities, "quality", &mut warnings) {
                    streams.push(StreamDir {
                        channel: channel.clone(),
                        path: cpath.join(&quality),
                        quality,
                    });
                }
            }
        }
    }
    unmatched_selection(root, &streams, selection, &mut warnings);
    streams.retain(|s| selection.keeps_stream(&s.channel, &s.quality));
    streams.sort_by(|a, b| (&a.channel, &a.quality).cmp(&(&b.channel, &b.quality)));

    let mut hours = Vec::new();
    let mut outside_range: Option<(i64, i64)> = None;
    for (index, stream) in streams.iter().enumerate() {
        let entries = if stream.path == root {
            Ok(top
                .iter()
                .map(|e| Entry {
                    name: e.name.clone(),
                    kind: e.kind,
                })
                .collect())
        } else {
            list_dir(root, &stream.path, &mut warnings)
        };
        let entries = match entries {
            Ok(e) => e,
            Err(e) => {
                warnings.push(Warning::new(
                    root,
                    &stream.path,
                    format!("cannot list quality directory: {e}"),
                ));
                continue;
            }
        };
        for e in entries {
            let path = stream.path.join(&e.name);
            let hour = e.name.to_str().and_then(parse_hour_name);
            match (hour, e.kind) {
                (Some(h), EntryKind::Dir) => {
                    if selection.keeps_hour(h) {
                        hours.push(HourDir {
                            stream: index,
                            hour_start_us: h,
                            path,
                        });
                    } else {
                        let (a, b) = outside_range.unwrap_or((h, h));
                        outside_range = Some((a.min(h), b.max(h)));
                    }
                }
                (Some(_), EntryKind::Symlink) => warnings.push(Warning::new(
                    root,
                    &path,
                    "symbolic link where an hour directory should be; not followed",
                )),
                (Some(_), EntryKind::File) => warnings.push(Warning::new(
                    root,
                    &path,
                    "a file where an hour directory should be; skipped",
                )),
                (None, EntryKind::File) => warnings.push(Warning::new(
                    root,
                    &path,
                    "stray file where hour directories should be; skipped",
                )),
                (None, _) => warnings.push(Warning::new(
                    root,
                    &path,
                    "not an hour directory name (expected YYYY-MM-DDTHH); skipped",
                )),
            }
        }
    }
    if hours.is_empty() {
        warnings.extend(outside_range_warning(root, outside_range));
    }
    Ok(Layout {
        root: root.to_path_buf(),
        opened_as,
        streams,
        hours,
        warnings,
    })
}

/// The warning for a selection that keeps no hour when the archive has hours
/// from `first` to `last` (none without hours at all).
pub(crate) fn outside_range_warning(root: &Path, outside: Option<(i64, i64)>) -> Option<Warning> {
    let (first, last) = outside?;
    Some(Warning::new(
        root,
        root,
        format!(
            "no hour directory in the --from/--to range; the archive has hours from {} to {}",
            crate::time::format_hour(first),
            crate::time::format_hour(last)
        ),
    ))
}

/// Warns about each `--channel` / `--quality` that names no stream of the archive.
pub(crate) fn unmatched_selection(
    root: &Path,
    streams: &[StreamDir],
    selection: &Selection,
    warnings: &mut Vec<Warning>,
) {
    let mut check = |wanted: &[String], what: &str, of: fn(&StreamDir) -> &str| {
        let mut have: Vec<&str> = streams.iter().map(of).collect();
        have.sort_unstable();
        have.dedup();
        for w in wanted.iter().filter(|w| !have.contains(&w.as_str())) {
            warnings.push(Warning::new(
                root,
                root,
                format!(
                    "no {what} named {w:?}; the archive has: {}",
                    have.join(", ")
                ),
            ));
        }
    };
    check(&selection.channels, "channel", |s| &s.channel);
    check(&selection.qualities, "quality", |s| &s.quality);
}

/// Names of the sub-directories of `dir` that may be channels or qualities; the
/// rest become warnings.
fn child_dirs(
    root: &Path,
    dir: &Path,
    entries: &[Entry],
    what: &str,
    warnings: &mut Vec<Warning>,
) -> Vec<String> {
    let mut out = Vec::new();
    for e in entries {
        let path = dir.join(&e.name);
        match (e.kind, e.name.to_str()) {
            (EntryKind::Dir, Some(name)) => out.push(name.to_string()),
            (EntryKind::Dir, None) => warnings.push(Warning::new(
                root,
                &path,
                format!("{what} directory name is not UTF-8; skipped"),
            )),
            (EntryKind::Symlink, _) => warnings.push(Warning::new(
                root,
                &path,
                format!("symbolic link where a {what} directory should be; not followed"),
            )),
            (EntryKind::File, _) => warnings.push(Warning::new(
                root,
                &path,
                format!("a file where a {what} directory should be; skipped"),
            )),
        }
    }
    out
}

/// The last two components of the opened path (its own name, its parent's name),
/// resolving `.` and `..` through the file system when needed.
fn own_names(root: &Path) -> (Option<String>, Option<String>) {
    let resolved = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let own = resolved
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    let parent = resolved
        .parent()
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned());
    (own, parent)
}
