//! The outputs a command writes (`--json FILE|-`, `--csv`, …): checking them
//! all before any work, and writing each through the safe writer, going on
//! past the ones that fail.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use anyhow::bail;

use super::interrupted;
use crate::export::atomic::{ensure_outside, resolved_target};
use crate::export::kinds::{ExportKind, Subject, write_kind};
use crate::text::{shown, shown_path};

/// Where a text output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    /// Standard output (`-`).
    Stdout,
    /// A file.
    File(PathBuf),
}

/// One requested single-file output.
pub struct Output {
    /// The flag that asked for it.
    pub flag: &'static str,
    /// Where it goes.
    pub sink: Sink,
    /// What it is.
    pub kind: ExportKind,
}

/// The outputs asked for, from (kind, flag value) pairs.
pub fn outputs(list: &[(ExportKind, &Option<PathBuf>)]) -> Vec<Output> {
    list.iter()
        .filter_map(|&(kind, target)| {
            let target = target.as_ref()?;
            let sink = if target.as_os_str() == "-" {
                Sink::Stdout
            } else {
                Sink::File(target.clone())
            };
            Some(Output {
                flag: kind.flag(),
                sink,
                kind,
            })
        })
        .collect()
}

/// Refuses outputs that cannot all be written as asked: two to stdout, two to
/// one file, a file inside the archive (or on the export) `input`. `folder` is
/// a folder output and its flag.
pub fn check_outputs(
    input: &Path,
    outputs: &[Output],
    folder: Option<(&Path, &'static str)>,
) -> anyhow::Result<()> {
    check_outputs_of(&[input], outputs, folder)
}

/// [`check_outputs`] for several inputs (none: only the stdout and same-file
/// checks).
pub fn check_outputs_of(
    inputs: &[&Path],
    outputs: &[Output],
    folder: Option<(&Path, &'static str)>,
) -> anyhow::Result<()> {
    let stdout: Vec<&str> = outputs
        .iter()
        .filter(|o| o.sink == Sink::Stdout)
        .map(|o| o.flag)
        .collect();
    if stdout.len() > 1 {
        bail!(
            "only one output can go to stdout (-), not {}",
            stdout.join(" and ")
        );
    }
    let mut seen: Vec<(PathBuf, &str)> = Vec::new();
    let files = outputs
        .iter()
        .filter_map(|o| match &o.sink {
            Sink::File(p) => Some((p.as_path(), o.flag)),
            Sink::Stdout => None,
        })
        .chain(folder);
    for (target, flag) in files {
        for input in inputs {
            ensure_outside(input, target)?;
        }
        let resolved = resolved_target(target);
        if let Some((_, other)) = seen.iter().find(|(p, _)| *p == resolved) {
            bail!(
                "{other} and {flag} name the same file {}; give each output its own",
                shown_path(target)
            );
        }
        seen.push((resolved, flag));
    }
    Ok(())
}

/// Writes to stdout, failing (instead of succeeding silently) when stdout is
/// closed, and naming a broken pipe.
pub fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    if super::stdout_was_closed().load(Ordering::SeqCst) {
        bail!("cannot write to stdout: it is closed");
    }
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| anyhow::anyhow!("cannot write to stdout: {e}"))
}

/// Writes one output to stdout as it is made.
fn stream_stdout(kind: ExportKind, subject: Subject<'_>) -> anyhow::Result<()> {
    if super::stdout_was_closed().load(Ordering::SeqCst) {
        bail!("cannot write to stdout: it is closed");
    }
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    kind.write_to(subject, &mut out)
        .and_then(|_| out.flush())
        .map_err(|e| anyhow::anyhow!("cannot write to stdout: {e}"))
}

/// Writes every output of `subject`; returns the ones that failed, in words.
/// A signal stops before the next output (the ones written stay, each whole).
pub fn write_outputs(outputs: &[Output], subject: Subject<'_>) -> anyhow::Result<Vec<String>> {
    let mut failures = Vec::new();
    for o in outputs {
        if interrupted().load(Ordering::SeqCst) {
            bail!(
                "interrupted while writing the outputs; {} and later ones not written",
                o.flag
            );
        }
        let result = match &o.sink {
            Sink::Stdout => stream_stdout(o.kind, subject),
            Sink::File(target) => write_kind(o.kind, subject, target).map_err(anyhow::Error::from),
        };
        if let Err(e) = result {
            failures.push(format!("{}: {e:#}", o.flag));
        }
    }
    Ok(failures)
}

/// Reports `failures` and fails when there are any.
pub fn fail_on(failures: &[String]) -> anyhow::Result<()> {
    if failures.is_empty() {
        return Ok(());
    }
    for f in failures {
        eprintln!("segscope: error: {}", shown(f));
    }
    bail!(
        "{} of the requested outputs could not be written (the others were)",
        failures.len()
    );
}
