//! Test hooks that hold a real scan at a known point, so tests can look at a
//! scan in progress, cancel or signal it without racing it. Nothing holds a scan
//! unless a test asks.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where a held scan stops.
#[derive(Debug)]
pub struct Gate {
    after: usize,
    released: AtomicBool,
}

impl Gate {
    /// Called with the ticket of each hour about to be scanned: hours from
    /// `after` on wait until the gate opens or `cancelled` says so.
    pub(crate) fn wait(&self, ticket: usize, cancelled: &dyn Fn() -> bool) {
        while ticket >= self.after && !self.released.load(Ordering::SeqCst) && !cancelled() {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

type Holds = Mutex<Vec<(PathBuf, Arc<Gate>)>>;

fn holds() -> &'static Holds {
    static HOLDS: Holds = Mutex::new(Vec::new());
    &HOLDS
}

/// Holds every scan of `root` (as given to the scan) after `hours` hour
/// directories until [`ScanHold::release`] or drop.
pub struct ScanHold {
    root: PathBuf,
    gate: Arc<Gate>,
}

impl ScanHold {
    /// Holds scans of `root` after `hours` hour directories.
    pub fn after_hours(root: &Path, hours: usize) -> ScanHold {
        let gate = Arc::new(Gate {
            after: hours,
            released: AtomicBool::new(false),
        });
        if let Ok(mut h) = holds().lock() {
            h.push((root.to_path_buf(), Arc::clone(&gate)));
        }
        ScanHold {
            root: root.to_path_buf(),
            gate,
        }
    }

    /// Lets held scans go on.
    pub fn release(self) {}
}

impl Drop for ScanHold {
    fn drop(&mut self) {
        self.gate.released.store(true, Ordering::SeqCst);
        if let Ok(mut h) = holds().lock() {
            h.retain(|(p, g)| !(p == &self.root && Arc::ptr_eq(g, &self.gate)));
        }
    }
}

/// The gate a scan of `root` must pass, if a test set one (in the process,
/// or through `segscope coverage`'s hidden `--test-hold-after-hours`).
pub(crate) fn gate_for(root: &Path) -> Option<Arc<Gate>> {
    let h = holds().lock().ok()?;
    h.iter()
        .find(|(p, _)| p == root)
        .map(|(_, g)| Arc::clone(g))
}
