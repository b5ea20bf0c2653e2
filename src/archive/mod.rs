//! Segment archives on disk: segment names, hour names, layout detection and the
//! parallel walk of hour directories. Plain Rust, no GUI.

pub mod layout;
pub mod name;
pub mod remote;
pub mod walk;

use std::path::Path;

/// A located problem met while reading an archive. The work goes on after it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Warning {
    /// Path relative to the opened path (lossy if not UTF-8).
    pub path: String,
    /// What is wrong, in words.
    pub message: String,
}

impl Warning {
    /// A warning about `path`, shown relative to `root`.
    pub fn new(root: &Path, path: &Path, message: impl Into<String>) -> Self {
        Warning {
            path: relative_display(root, path),
            message: message.into(),
        }
    }
}

/// `path` relative to `root` for display (lossy for non-UTF-8 names); `.` for the root itself.
pub fn relative_display(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Ok(rel) => rel.to_string_lossy().into_owned(),
        Err(_) => path.to_string_lossy().into_owned(),
    }
}
