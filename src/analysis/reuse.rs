//! Reusing the hours of the analysis being replaced (a reload): unchanged hour
//! directories are answered from memory, neither scanned nor read from the
//! result cache.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Analysis, CacheKey, CacheLookup, HourCache};
use crate::archive::layout::HourDir;
use crate::coverage::best::HourSummary;

/// A cache layer that answers unchanged hour directories from the analysis being
/// replaced (a reload), so they are neither scanned nor read from the result
/// cache; the others go to `inner` (or are scanned).
pub struct ReusedHours<'a> {
    previous: &'a Analysis,
    inner: Option<&'a dyn HourCache>,
    now_ns: i64,
    reused: AtomicUsize,
}

impl<'a> ReusedHours<'a> {
    /// Reuses `previous`'s hours in front of `inner`.
    pub fn new(previous: &'a Analysis, inner: Option<&'a dyn HourCache>) -> Self {
        let now_ns = chrono::Utc::now().timestamp_nanos_opt().unwrap_or(i64::MAX);
        Self::at(previous, inner, now_ns)
    }

    /// [`ReusedHours::new`] as if it were `now_ns` (directories changed in the
    /// [`SETTLING_NS`](super::SETTLING_NS) before are not reused).
    pub fn at(previous: &'a Analysis, inner: Option<&'a dyn HourCache>, now_ns: i64) -> Self {
        ReusedHours {
            previous,
            inner,
            now_ns,
            reused: AtomicUsize::new(0),
        }
    }

    /// Hours answered from the previous analysis so far.
    pub fn reused(&self) -> usize {
        self.reused.load(Ordering::Relaxed)
    }
}

impl HourCache for ReusedHours<'_> {
    fn lookup(&self, root: &Path, hour: &HourDir, key: Option<CacheKey>) -> CacheLookup {
        let Some(key) = key else {
            return CacheLookup::Miss(None);
        };
        let known = self
            .previous
            .known_hours
            .get(&hour.path)
            .filter(|k| k.key == key && key.settled(self.now_ns));
        let summary = known.and_then(|k| {
            self.previous
                .streams
                .get(k.stream)
                .and_then(|s| s.hours.get(k.hour))
                .filter(|h| h.hour_start_us == hour.hour_start_us)
        });
        if let Some(summary) = summary {
            self.reused.fetch_add(1, Ordering::Relaxed);
            return CacheLookup::Hit(summary.clone(), key);
        }
        match self.inner {
            Some(c) => c.lookup(root, hour, Some(key)),
            None => CacheLookup::Miss(key.settled(self.now_ns).then_some(key)),
        }
    }

    fn store(&self, root: &Path, hour: &HourDir, key: CacheKey, summary: &HourSummary) {
        if let Some(c) = self.inner {
            c.store(root, hour, key, summary);
        }
    }

    fn finish(&self) {
        if let Some(c) = self.inner {
            c.finish();
        }
    }
}
