//! A recording node's archive read over HTTP as an [`HourSource`]: the same scan,
//! figures, holes and bad segments as the same archive on disk. A file's size
//! is asked for (`HEAD`) only where the best-segment rule needs it.

use std::path::{Path, PathBuf};

use super::{CacheKey, HourSource, KeptListings};
use crate::archive::layout::{HourDir, Layout, OpenError, Selection};
use crate::archive::remote::Node;
use crate::coverage::best::{HourSummary, summarise_hour};
use crate::time::HOUR_US;

/// How long after its end an hour is taken as settled: its listing is cached
/// from then on (keyed by node and hour). Younger hours are listed again at
/// every scan.
pub const REMOTE_SETTLED_US: i64 = HOUR_US;

/// A node's archive as an hour source.
pub struct RemoteArchive<'a> {
    node: Node,
    root: PathBuf,
    now_us: i64,
    kept: Option<&'a KeptListings>,
}

impl<'a> RemoteArchive<'a> {
    /// The archive of `node`; with `kept`, every hour's names (tombstones
    /// included) are kept there (what the backfill plan compares). An hour whose
    /// listing failed has no entry.
    pub fn new(node: Node, kept: Option<&'a KeptListings>) -> Self {
        RemoteArchive {
            root: node.root(),
            node,
            now_us: crate::time::now_us(),
            kept,
        }
    }

    /// The node read.
    pub fn node(&self) -> &Node {
        &self.node
    }
}

impl HourSource for RemoteArchive<'_> {
    fn root(&self) -> &Path {
        &self.root
    }

    fn discover(&self, selection: &Selection) -> Result<Layout, OpenError> {
        self.node.discover(selection)
    }

    fn scan_hour(&self, hour: &HourDir) -> HourSummary {
        let (listing, names) = self.node.list_hour(hour);
        if let (Some(kept), Some(names)) = (self.kept, names) {
            kept.keep(hour, names);
        }
        summarise_hour(hour.hour_start_us, listing, |name| {
            self.node.size_in_hour(hour, &name.to_string_lossy())
        })
    }

    fn key(&self, hour: &HourDir) -> Option<CacheKey> {
        let end_us = hour.hour_start_us + HOUR_US;
        (self.now_us - end_us >= REMOTE_SETTLED_US).then_some(CacheKey {
            mtime_ns: end_us.saturating_mul(1000),
            ctime_ns: end_us.saturating_mul(1000),
        })
    }

    fn vanished(&self, _hour: &HourDir) -> bool {
        // A restreamer lists a vanished hour as empty: it stays, with no segments.
        false
    }

    fn concurrency(&self) -> Option<usize> {
        Some(self.node.options().concurrency.max(1))
    }
}
