//! Writing the demo perf export to a file of its own.

use std::path::Path;

use crate::export::atomic::create_new_with;
use crate::perf::demo::{DemoPerfOptions, write_demo_perf_export};

/// Writes a demo export to `file`, which must not exist (its folder is made
/// when missing): written as it is made into a temporary file beside it, then
/// moved into place complete, never over an existing file. Returns the bytes
/// written.
pub fn write_demo_perf_file(file: &Path, o: &DemoPerfOptions) -> std::io::Result<u64> {
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut bytes = 0;
    create_new_with(file, |w| {
        bytes = write_demo_perf_export(o, w)?;
        Ok(())
    })?;
    Ok(bytes)
}
