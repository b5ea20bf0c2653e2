//! Writing output files safely, and the guard that keeps segscope from writing
//! inside an archive it reads.
//!
//! [`write_output`] decides by what the target is:
//! * missing or a regular file: atomic replace (temp file in the target's
//!   directory, fsync, rename, fsync of the directory): readers see the old file or
//!   the new one, never a partial one;
//! * a symbolic link: followed (also through chains and relative links) and the
//!   resolved target written as above; the link itself is left in place;
//! * a FIFO or a character device (`/dev/null`, `/dev/stdout`, a pipe a script
//!   reads): written straight into, never replaced;
//! * a directory, a block device or a socket: refused with a message.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _, PermissionsExt as _};
use std::path::{Component, Path, PathBuf};

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The target lies inside the archive being analysed.
    #[error("refusing to write inside the analysed archive {archive}: {target}")]
    InsideArchive {
        /// The target as given.
        target: PathBuf,
        /// The archive root it lies in.
        archive: PathBuf,
    },
    /// The target is one of the files being read (the same file, however
    /// it is reached: a link, a hard link, another path).
    #[error("refusing to overwrite the input {input}: {target} is that file")]
    IsInput {
        /// The target as given.
        target: PathBuf,
        /// The input it would replace.
        input: PathBuf,
    },
    /// The document has no export of this kind.
    #[error("cannot write {path}: this document has no {what}")]
    NoSuchExport {
        /// The target as given.
        path: PathBuf,
        /// The kind's title.
        what: &'static str,
    },
    /// The target is something segscope does not write into.
    #[error("cannot write {path}: it is a {what}")]
    NotAFile {
        /// The target as given.
        path: PathBuf,
        /// What it is (`directory`, `block device`, `socket`).
        what: &'static str,
    },
    /// An I/O error, named by the target (never the temporary file).
    #[error("cannot write {path}: {reason}")]
    Io {
        /// The target path as given.
        path: PathBuf,
        /// The operating system's reason.
        reason: io::Error,
    },
}

/// How many symbolic links are followed before giving up (as the kernel does).
const MAX_LINK_HOPS: usize = 40;

/// Writes `bytes` to `path` as the module docs describe. The parent directory
/// must exist.
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_output_with(path, |w| w.write_all(bytes))
}

/// Writes what `write` makes to `path` as it is made (never whole in memory),
/// as the module docs describe: a regular file is replaced atomically once
/// `write` has succeeded, a FIFO or device is written into. The parent
/// directory must exist.
pub fn write_output_with(
    path: &Path,
    write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let io_err = |reason: io::Error| WriteError::Io {
        path: path.to_path_buf(),
        reason: plain(reason),
    };
    let resolved = follow_links(path).map_err(io_err)?;
    match fs::metadata(&resolved) {
        Ok(meta) => match special_kind(&meta) {
            Special::Regular => replace_atomically(&resolved, write).map_err(io_err),
            Special::Stream => write_into(&resolved, write).map_err(io_err),
            Special::Refused(what) => Err(WriteError::NotAFile {
                path: path.to_path_buf(),
                what,
            }),
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            replace_atomically(&resolved, write).map_err(io_err)
        }
        Err(e) => Err(io_err(e)),
    }
}

enum Special {
    Regular,
    Stream,
    Refused(&'static str),
}

fn special_kind(meta: &Metadata) -> Special {
    let t = meta.file_type();
    if t.is_file() {
        Special::Regular
    } else if t.is_fifo() || t.is_char_device() {
        Special::Stream
    } else if t.is_dir() {
        Special::Refused("directory")
    } else if t.is_block_device() {
        Special::Refused("block device")
    } else if t.is_socket() {
        Special::Refused("socket")
    } else {
        Special::Refused("special file")
    }
}

/// An I/O error without the context a library wrapped around it (e.g. the
/// temporary file's name): just the operating system's reason.
fn plain(e: io::Error) -> io::Error {
    if let Some(code) = e.raw_os_error() {
        return io::Error::from_raw_os_error(code);
    }
    // tempfile wraps the system's error in one that names the temporary path and
    // hides the code from `source()`; its text still carries "(os error N)".
    let text = e.to_string();
    let wrapped = text.split_once("(os error ").and_then(|(_, rest)| {
        rest.split(')')
            .next()
            .and_then(|code| code.parse::<i32>().ok())
    });
    match wrapped {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(e.kind(), e.kind().to_string()),
    }
}

/// Follows `path` while it is a symbolic link; returns the first path that is not
/// one (it may not exist: a dangling link is written through to its target).
fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINK_HOPS {
        match fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(io::Error::from_raw_os_error(libc::ELOOP))
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn replace_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
) -> io::Result<()> {
    write_through_temp(path, Placing::Replace, write)
}

/// Writes what `write` makes to `path`, which must not exist yet: made
/// complete in a temporary file beside it, then moved into place, never over
/// an existing file (that fails with [`io::ErrorKind::AlreadyExists`] and
/// leaves it as it was). The parent directory must exist.
pub fn create_new_with(
    path: &Path,
    write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
) -> io::Result<()> {
    write_through_temp(path, Placing::OnlyNew, write)
}

/// How a finished temporary file takes its place.
enum Placing {
    /// Over whatever is there.
    Replace,
    /// Only where nothing is.
    OnlyNew,
}

/// The atomic write: a temporary file in `path`'s directory, written,
/// fsynced, renamed into place, and the directory fsynced.
fn write_through_temp(
    path: &Path,
    placing: Placing,
    write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
) -> io::Result<()> {
    let dir = parent_dir(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".segscope-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    {
        let mut out = io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        write(&mut out)?;
        out.flush()?;
    }
    // Temporary files are private; a report is an ordinary file.
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(0o644))?;
    tmp.as_file().sync_all()?;
    match placing {
        Placing::Replace => tmp.persist(path).map(drop),
        Placing::OnlyNew => tmp.persist_noclobber(path).map(drop),
    }
    .map_err(|e| e.error)?;
    // The rename is durable once the directory is on disk too.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn write_into(
    path: &Path,
    write: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
) -> io::Result<()> {
    let f = OpenOptions::new().write(true).open(path)?;
    let mut out = io::BufWriter::with_capacity(1 << 16, f);
    write(&mut out)?;
    out.flush()
}

/// Makes `path` absolute and lexically clean (`.` and `..` folded) without
/// touching the disk.
fn absolute(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Where a write to `target` lands, as one comparable path (two targets with the
/// same resolved path are the same file): links followed, then the deepest part
/// of the path that exists canonicalized (so `..` after a symlinked directory
/// goes where the kernel would go) and the rest appended.
pub fn resolved_target(target: &Path) -> PathBuf {
    let start = absolute(&follow_links(target).unwrap_or_else(|_| target.to_path_buf()));
    let mut existing = start.as_path();
    loop {
        if let Ok(canonical) = fs::canonicalize(existing) {
            let rest = start.strip_prefix(existing).unwrap_or(Path::new(""));
            return if rest.as_os_str().is_empty() {
                canonical
            } else {
                canonical.join(rest)
            };
        }
        match existing.parent() {
            Some(parent) => existing = parent,
            None => return start,
        }
    }
}

/// The directories a write to `target` lands in, innermost first, as far as they
/// exist.
fn existing_ancestors(target: &Path) -> Vec<Metadata> {
    resolved_target(target)
        .ancestors()
        .filter_map(|p| fs::metadata(p).ok())
        .collect()
}

/// The archive root a path opened for analysis belongs to: the path itself when
/// it is a root, its parent for a channel directory, its grandparent for a
/// quality directory.
pub fn archive_root(opened: &Path) -> PathBuf {
    let abs = fs::canonicalize(opened).unwrap_or_else(|_| absolute(opened));
    let up = match crate::archive::layout::detect_kind(opened) {
        Some(crate::archive::layout::OpenedAs::Quality) => 2,
        Some(crate::archive::layout::OpenedAs::Channel) => 1,
        _ => 0,
    };
    let mut root = abs.as_path();
    for _ in 0..up {
        root = root.parent().unwrap_or(root);
    }
    root.to_path_buf()
}

/// Fails when `target` lies inside the archive that `opened` belongs to (checked
/// against the archive's root, by device and inode, so a symlinked parent or a
/// bind mount of the archive is caught too), or, when `opened` is a file (a
/// perf export, a series file), when `target` is that file.
pub fn ensure_outside(opened: &Path, target: &Path) -> Result<(), WriteError> {
    if fs::metadata(opened).is_ok_and(|m| !m.is_dir()) {
        return ensure_not_input(&[opened], target);
    }
    let root = archive_root(opened);
    let Ok(root_meta) = fs::metadata(&root) else {
        return Ok(());
    };
    let inside = existing_ancestors(target)
        .iter()
        .any(|m| m.dev() == root_meta.dev() && m.ino() == root_meta.ino());
    if inside {
        return Err(WriteError::InsideArchive {
            target: target.to_path_buf(),
            archive: root,
        });
    }
    Ok(())
}

/// Fails when writing `target` would replace one of `inputs`: the same file
/// by device and inode, so links, hard links and other spellings of the path
/// are caught. A target that does not exist yet replaces nothing.
pub fn ensure_not_input(inputs: &[&Path], target: &Path) -> Result<(), WriteError> {
    let Ok(written) = fs::metadata(target) else {
        return Ok(());
    };
    for input in inputs {
        if fs::metadata(input).is_ok_and(|m| m.dev() == written.dev() && m.ino() == written.ino()) {
            return Err(WriteError::IsInput {
                target: target.to_path_buf(),
                input: input.to_path_buf(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn mkfifo(path: &Path) {
        let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }

    #[test]
    fn writes_and_replaces_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.json");
        write_output(&p, b"one").unwrap();
        write_output(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o644
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_directory_names_the_target_once() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_output(&dir.path().join("nope/out.json"), b"x").unwrap_err();
        let text = format!("{:#}", anyhow::Error::from(err));
        assert!(text.contains("nope/out.json"), "{text}");
        assert!(!text.contains(".segscope-"), "no temp file name: {text}");
        assert_eq!(text.matches("os error").count(), 1, "{text}");
    }

    #[test]
    fn a_fifo_is_written_into_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        mkfifo(&fifo);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(&fifo).unwrap())
        };
        write_output(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_symlink_is_written_through_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        fs::write(&real, b"old").unwrap();
        fs::create_dir(dir.path().join("links")).unwrap();
        let link = dir.path().join("links/link.json");
        symlink("../real.json", &link).unwrap();
        let chain = dir.path().join("chain.json");
        symlink(&link, &chain).unwrap();
        write_output(&chain, b"new").unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            fs::symlink_metadata(&chain)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
        // A dangling link creates its target.
        let dangling = dir.path().join("dangling.json");
        symlink("made.json", &dangling).unwrap();
        write_output(&dangling, b"made").unwrap();
        assert_eq!(fs::read(dir.path().join("made.json")).unwrap(), b"made");
        assert!(
            fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn a_link_loop_and_a_directory_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        symlink(&b, &a).unwrap();
        symlink(&a, &b).unwrap();
        let err = write_output(&a, b"x").unwrap_err().to_string();
        assert!(err.contains("symbolic links"), "{err}");
        let err = write_output(dir.path(), b"x").unwrap_err().to_string();
        assert!(err.contains("is a directory"), "{err}");
        assert!(fs::symlink_metadata(&a).unwrap().file_type().is_symlink());
    }

    fn archive(dir: &Path) -> PathBuf {
        let root = dir.join("archive");
        for q in [
            "chan/source/2024-01-01T00",
            "chan/480p/2024-01-01T00",
            "other/source/2024-01-01T00",
        ] {
            fs::create_dir_all(root.join(q)).unwrap();
        }
        root
    }

    #[test]
    fn refuses_targets_inside_the_archive() {
        let dir = tempfile::tempdir().unwrap();
        let root = archive(dir.path());
        assert!(ensure_outside(&root, &root.join("x.json")).is_err());
        assert!(ensure_outside(&root, &root.join("new/dir/x.png")).is_err());
        assert!(ensure_outside(&root, &root.join("../x.json")).is_ok());
        assert!(ensure_outside(&root, &dir.path().join("archive-out/x.json")).is_ok());
    }

    #[test]
    fn the_whole_archive_is_guarded_when_a_stream_is_opened() {
        let dir = tempfile::tempdir().unwrap();
        let root = archive(dir.path());
        let channel = root.join("chan");
        let quality = channel.join("source");
        assert_eq!(archive_root(&quality), fs::canonicalize(&root).unwrap());
        assert!(ensure_outside(&channel, &root.join("other/x.json")).is_err());
        assert!(ensure_outside(&quality, &channel.join("480p/x.json")).is_err());
        assert!(ensure_outside(&quality, &root.join("x.json")).is_err());
        assert!(ensure_outside(&quality, &dir.path().join("x.json")).is_ok());
    }

    #[test]
    fn a_new_file_is_made_whole_and_never_over_another() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("new.csv");
        create_new_with(&p, |w| w.write_all(b"a,b\n")).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"a,b\n");
        let err = create_new_with(&p, |w| w.write_all(b"other")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&p).unwrap(), b"a,b\n", "kept as it was");
        let failed = dir.path().join("failed.csv");
        assert!(create_new_with(&failed, |_| Err(io::Error::other("stop"))).is_err());
        assert!(!failed.exists(), "nothing half-written");
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file left behind");
    }

    #[test]
    fn an_input_file_is_never_a_target() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("spike.csv");
        fs::write(&input, b"t,v").unwrap();
        let link = dir.path().join("link.csv");
        symlink(&input, &link).unwrap();
        let hard = dir.path().join("hard.csv");
        fs::hard_link(&input, &hard).unwrap();
        let other = dir.path().join("other.csv");
        fs::write(&other, b"t,v").unwrap();
        for target in [&input, &link, &hard, &dir.path().join("./spike.csv")] {
            let err = ensure_not_input(&[&other, &input], target).unwrap_err();
            assert!(matches!(err, WriteError::IsInput { .. }), "{err}");
            let err = ensure_outside(&input, target).unwrap_err().to_string();
            assert!(err.contains("overwrite the input"), "{err}");
            assert!(!err.contains("archive"), "{err}");
        }
        assert!(ensure_not_input(&[&input], &other).is_ok());
        assert!(ensure_not_input(&[&input], &dir.path().join("new.csv")).is_ok());
    }

    #[test]
    fn an_alias_of_the_archive_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let root = archive(dir.path());
        let alias = dir.path().join("alias");
        symlink(&root, &alias).unwrap();
        assert!(ensure_outside(&root, &alias.join("other/x.json")).is_err());
        // A link to a file inside the archive: the write would land inside.
        let link = dir.path().join("report.json");
        symlink(root.join("chan/x.json"), &link).unwrap();
        assert!(ensure_outside(&root, &link).is_err());
    }
}
