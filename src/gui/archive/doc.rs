//! An archive document's own part: its analyses (through the loader) and
//! the state of its coverage views; and watching it.

use crate::gui::archive::file_lookup::FileLookup;
use crate::gui::archive::grid_view::GridView;
use crate::gui::archive::holes_panel::HolesPanel;
use crate::gui::archive::hours_panel::HoursPanel;
use crate::gui::archive::loader::Loader;
use crate::gui::archive::timeline::TimelineView;

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
