//! The process's own memory, read from /proc (Linux): what `segscope`'s
//! monitor points, its benchmarks and `SEGSCOPE_PEAK_MEMORY` report.

/// The process's peak resident memory, bytes (Linux; `None` elsewhere).
pub fn peak_rss_bytes() -> Option<u64> {
    status_kb("VmHWM:").map(|kb| kb * 1024)
}

/// The process's resident memory now, bytes (Linux; `None` elsewhere).
pub fn rss_bytes() -> Option<u64> {
    status_kb("VmRSS:").map(|kb| kb * 1024)
}

/// A `kB` field of /proc/self/status.
fn status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peak_is_at_least_now() {
        let (Some(peak), Some(now)) = (peak_rss_bytes(), rss_bytes()) else {
            return;
        };
        assert!(peak >= now && now > 0);
    }
}
