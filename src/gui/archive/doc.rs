//! An archive document's own part: its analyses (through the loader) and
//! the state of its coverage views; and watching it.

use std::sync::Arc;
use std::time::Duration;

use crate::analysis::Analysis;
use crate::gui::archive::file_lookup::FileLookup;
use crate::gui::archive::grid_view::GridView;
use crate::gui::archive::holes_panel::HolesPanel;
use crate::gui::archive::hours_panel::HoursPanel;
use crate::gui::archive::loader::Loader;
use crate::gui::archive::timeline::TimelineView;
use crate::gui::shell::job::{Ending, JobState};
use crate::gui::shell::notify::Notifications;

/// An archive document's own part.
#[derive(Default)]
pub struct ArchiveDoc {
    /// Its analyses.
    pub loader: Loader,
    /// The timeline's own state (hover, lane rasters).
    pub timeline: TimelineView,
    /// The holes table.
    pub holes: HolesPanel,
    /// The hours and problems tables.
    pub hours: HoursPanel,
    /// The grid map.
    pub grid: GridView,
    /// Segment files looked up (in the background) for tooltips.
    pub files: FileLookup,
    /// Watching the archive (re-scanned every interval), when on.
    pub watch: Option<ArchiveWatch>,
}

/// A watched archive: re-scanned in place every interval.
#[derive(Debug, Clone)]
pub struct ArchiveWatch {
    /// How often.
    pub interval: std::time::Duration,
    /// When the last re-scan started.
    pub last: std::time::Instant,
    /// Keep the newest time in view.
    pub follow: bool,
    /// A re-scan of the watch is running.
    pub reloading: bool,
}

impl ArchiveWatch {
    /// A watch every `interval`, following.
    pub fn new(interval: std::time::Duration) -> ArchiveWatch {
        ArchiveWatch {
            interval,
            last: std::time::Instant::now(),
            follow: true,
            reloading: false,
        }
    }
}

/// What an archive's finished analysis gives its document: the snapshot, how
/// long it took, and how the view follows it.
pub struct NewAnalysis {
    /// The analysis.
    pub analysis: Arc<Analysis>,
    /// How long the scan took.
    pub took: Duration,
    /// The archive is watched at this interval.
    pub watching: Option<Duration>,
    /// While watched, the newest time stays in view.
    pub follow: bool,
}

impl ArchiveDoc {
    /// Its analysis (or a reload, `reloaded`) finished: the views take the
    /// new snapshot (a reload keeps zoom, selection and filters) and `notes`
    /// say what it found; `None` when nothing had finished.
    pub fn finished(
        &mut self,
        reloaded: bool,
        notes: &mut Notifications,
    ) -> Option<Ending<NewAnalysis>> {
        let load = self.loader.current.as_ref()?;
        let took = load.job.elapsed.unwrap_or_default();
        let a = match load.job.state.clone() {
            JobState::Done(a) => a,
            JobState::Failed(e) => return Some(Ending::Failed(e)),
            JobState::Cancelled => {
                notes.info("Analysis cancelled");
                return Some(Ending::Cancelled);
            }
            JobState::Idle | JobState::Running(_) => return None,
        };
        self.timeline.invalidate_rasters();
        self.holes.set_analysis(&a);
        if reloaded {
            // Same view: keep zoom, selection and filters; new figures.
            self.grid.reset();
            self.files.clear();
        }
        let watched = self.watch.as_mut().is_some_and(|w| {
            let was = w.reloading;
            w.reloading = false;
            was
        });
        let line = analysis_line(&a, took, reloaded);
        // A watch's re-scans are logged, not announced.
        if watched {
            notes.routine("rescan", line);
        } else {
            notes.info(line);
        }
        for w in a.warnings.iter().take(5) {
            notes.warn(format!(
                "{}: {}",
                crate::text::shown(&w.path),
                crate::text::shown(&w.message)
            ));
        }
        if a.warnings.len() > 5 {
            notes.warn(format!(
                "… {} more warnings in the Problems tab",
                a.warnings.len() - 5
            ));
        }
        Some(Ending::Done(NewAnalysis {
            analysis: a,
            took,
            watching: self.watch.as_ref().map(|w| w.interval),
            follow: self.watch.as_ref().is_some_and(|w| w.follow),
        }))
    }
}

/// What an analysis found, in one line.
fn analysis_line(a: &Analysis, took: Duration, reloaded: bool) -> String {
    let bad: usize = a.streams.iter().map(|s| s.bad_segments.len()).sum();
    let holes: usize = a.streams.iter().map(|s| s.coverage.raw_holes.len()).sum();
    let (verb, kept) = if reloaded {
        (
            "Reloaded",
            format!(", {} of them kept from the last analysis", a.hours_reused),
        )
    } else {
        ("Analysed", String::new())
    };
    format!(
        "{verb} {} segments of {} streams in {:.2} s ({} hours from the cache{kept}): {holes} raw holes, {bad} bad segments, {} warnings",
        a.segment_total(),
        a.streams.len(),
        took.as_secs_f64(),
        a.hours_from_cache,
        a.warnings.len()
    )
}
