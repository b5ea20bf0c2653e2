//! Atomic file writes (temp file in the target directory, then rename) and the
//! guard that keeps segscope from writing inside an archive it reads.

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The target lies inside the archive being analysed.
    #[error("refusing to write inside the analysed archive: {0}")]
    InsideArchive(PathBuf),
    /// An I/O error.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The target path.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

/// Writes `bytes` to `path` atomically: readers see the old file or the new one,
/// never a partial one. The parent directory must exist.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let io_err = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".segscope-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io_err)?;
    tmp.write_all(bytes).map_err(io_err)?;
    // Temporary files are private; a report is an ordinary file.
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io_err)?;
    }
    tmp.as_file().sync_all().map_err(io_err)?;
    tmp.persist(path).map_err(|e| io_err(e.error))?;
    Ok(())
}

/// Resolves `path` as far as it exists (so symlinks and `..` are seen through).
fn resolve(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = std::fs::canonicalize(existing) {
            let mut out = c;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return abs,
        }
    }
}

/// Fails when `target` lies inside `archive`.
pub fn ensure_outside(archive: &Path, target: &Path) -> Result<(), WriteError> {
    if resolve(target).starts_with(resolve(archive)) {
        return Err(WriteError::InsideArchive(target.to_path_buf()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_replaces_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o644
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(&dir.path().join("nope/out.json"), b"x").unwrap_err();
        assert!(err.to_string().contains("nope/out.json"), "{err}");
    }

    #[test]
    fn refuses_targets_inside_the_archive() {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("archive");
        std::fs::create_dir(&archive).unwrap();
        assert!(ensure_outside(&archive, &archive.join("x.json")).is_err());
        assert!(ensure_outside(&archive, &archive.join("new/dir/x.png")).is_err());
        assert!(ensure_outside(&archive, &archive.join("../x.json")).is_ok());
        assert!(ensure_outside(&archive, &dir.path().join("archive-out/x.json")).is_ok());
    }
}
