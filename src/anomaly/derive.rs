//! Series segscope derives by itself (specs/anomaly.md): from a perf export,
//! each start-up phase per node, in node start order.

use super::series::Series;
use crate::perf::PerfAnalysis;
use crate::perf::summary::Metric;

/// One series per pool and phase: `POOL/PHASE` (the spec's phase names and
/// `total`), a point per node that went through the phase, at its node prep
/// start, valued in seconds.
pub fn perf_series(a: &PerfAnalysis) -> Vec<Series> {
    let mut out = Vec::new();
    for pool in &a.pools {
        for m in Metric::ALL {
            let points = pool
                .nodes
                .iter()
                .filter_map(|n| Some((n.start_us?, m.measured(n))))
                .filter(|(_, v)| v.is_some());
            let s = Series::new(format!("{}/{}", pool.partition_key, m.key()), points);
            if !s.points.is_empty() {
                out.push(s);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perf::demo::{DemoPerfOptions, demo_perf_export};

    #[test]
    fn every_phase_of_every_pool_in_start_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pool.csv");
        std::fs::write(&path, demo_perf_export(&DemoPerfOptions::default())).unwrap();
        let a = crate::perf::analyse_export(&path, None).unwrap();
        let series = perf_series(&a);
        let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
        assert!(
            names.contains(&"demobatch$demo-pool/docker_install"),
            "{names:?}"
        );
        assert!(names.contains(&"demobatch$demo-pool/total"));
        let install = series
            .iter()
            .find(|s| s.name.ends_with("/docker_install"))
            .unwrap();
        assert_eq!(install.points.len(), 48, "one point per node");
        assert!(install.points.windows(2).all(|w| w[0].0 <= w[1].0));
        let total = series.iter().find(|s| s.name.ends_with("/total")).unwrap();
        assert_eq!(total.points.len(), 47, "the unfinished node has no total");
    }
}
