//! What a pool's timings add up to: the value of each phase per node, the
//! distribution of each phase across nodes (count, min, p50, p95, max), and
//! the slowest nodes with the phase that made each slow.

use super::timings::{ImageTimings, NodeTimings, Phase};

/// A timing column: a node-level phase, a per-kind image total, or the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    /// nodeprep:start -> nodeprep:end.
    Nodeprep,
    /// nodeprep:start -> privateregistry:start (or the node prep).
    DockerInstall,
    /// privateregistry:start -> :end.
    PrivateRegistrySetup,
    /// shipyard:pull-start -> :end.
    ShipyardContainerPull,
    /// cascade:start -> cascade:gr-done.
    GlobalResourcesLoaded,
    /// Every image's pull.
    Pull,
    /// Every image's save.
    Save,
    /// Every image's load.
    Load,
    /// Every image's torrent.
    Torrent,
    /// graph.py's bar: docker install + private registry + shipyard pull +
    /// global resources.
    Total,
}

impl Metric {
    /// Every metric, in table order.
    pub const ALL: [Metric; 10] = [
        Metric::Total,
        Metric::Nodeprep,
        Metric::DockerInstall,
        Metric::PrivateRegistrySetup,
        Metric::ShipyardContainerPull,
        Metric::GlobalResourcesLoaded,
        Metric::Pull,
        Metric::Save,
        Metric::Load,
        Metric::Torrent,
    ];

    /// The phases stacked in graph.py's bar, bottom first.
    pub const STACKED: [Metric; 4] = [
        Metric::DockerInstall,
        Metric::PrivateRegistrySetup,
        Metric::ShipyardContainerPull,
        Metric::GlobalResourcesLoaded,
    ];

    /// Its name in JSON and CSV (the spec's phase names).
    pub fn key(self) -> &'static str {
        match self {
            Metric::Nodeprep => "nodeprep",
            Metric::DockerInstall => "docker_install",
            Metric::PrivateRegistrySetup => "private_registry_setup",
            Metric::ShipyardContainerPull => "shipyard_container_pull",
            Metric::GlobalResourcesLoaded => "global_resources_loaded",
            Metric::Pull => "pull",
            Metric::Save => "save",
            Metric::Load => "load",
            Metric::Torrent => "torrent",
            Metric::Total => "total",
        }
    }

    /// Its name in words.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Nodeprep => "node prep",
            Metric::DockerInstall => "docker install",
            Metric::PrivateRegistrySetup => "private registry",
            Metric::ShipyardContainerPull => "shipyard pull",
            Metric::GlobalResourcesLoaded => "global resources",
            Metric::Pull => "image pulls",
            Metric::Save => "image saves",
            Metric::Load => "image loads",
            Metric::Torrent => "torrents",
            Metric::Total => "total",
        }
    }

    /// The node-level phase, for the metrics that are one.
    pub fn phase(self, node: &NodeTimings) -> Option<&Phase> {
        Some(match self {
            Metric::Nodeprep => &node.nodeprep,
            Metric::DockerInstall => &node.docker_install,
            Metric::PrivateRegistrySetup => &node.private_registry_setup,
            Metric::ShipyardContainerPull => &node.shipyard_container_pull,
            Metric::GlobalResourcesLoaded => &node.global_resources_loaded,
            _ => return None,
        })
    }

    /// The image phase, for the per-image metrics.
    pub fn image_phase(self, img: &ImageTimings) -> Option<&Phase> {
        Some(match self {
            Metric::Pull => &img.pull,
            Metric::Save => &img.save,
            Metric::Load => &img.load,
            Metric::Torrent => &img.torrent,
            _ => return None,
        })
    }

    /// Its value for `node`, seconds: absent phases count 0 (as graph.py
    /// counts them); `None` when a phase it is made of never ended.
    pub fn value(self, node: &NodeTimings) -> Option<f64> {
        if let Some(phase) = self.phase(node) {
            return phase.seconds_or_zero();
        }
        if self == Metric::Total {
            return Metric::STACKED
                .iter()
                .map(|m| m.value(node))
                .sum::<Option<f64>>();
        }
        node.images
            .iter()
            .filter_map(|i| self.image_phase(i))
            .map(Phase::seconds_or_zero)
            .sum::<Option<f64>>()
    }
}

impl Metric {
    /// Its value for `node` when the node went through it: a finished phase
    /// (not an absent one), images' totals when at least one image did it and
    /// none is unfinished, the total when it is known. What distributions are
    /// made of (a node without a private registry is not a 0 s setup).
    pub fn measured(self, node: &NodeTimings) -> Option<f64> {
        if let Some(phase) = self.phase(node) {
            return phase.seconds();
        }
        if self == Metric::Total {
            return self.value(node);
        }
        let mut any = false;
        let mut sum = 0.0;
        for phase in node.images.iter().filter_map(|i| self.image_phase(i)) {
            match phase {
                Phase::Absent => {}
                Phase::Open { .. } | Phase::Invalid => return None,
                Phase::Done { seconds, .. } => {
                    any = true;
                    sum += seconds;
                }
            }
        }
        any.then_some(sum)
    }
}

/// The distribution of one metric across a pool's nodes (the nodes where it
/// finished), seconds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Stats {
    /// Nodes with a value.
    pub count: usize,
    /// Smallest.
    pub min: f64,
    /// First quartile (linear interpolation between ranks, as numpy's default).
    pub p25: f64,
    /// Median (same method).
    pub p50: f64,
    /// Third quartile.
    pub p75: f64,
    /// 95th percentile (same method).
    pub p95: f64,
    /// Largest.
    pub max: f64,
}

/// The `q` quantile (0..=1) of sorted values, interpolating linearly between
/// ranks (numpy's default).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The distribution of finite `values`; `None` without any.
pub fn stats(values: impl IntoIterator<Item = f64>) -> Option<Stats> {
    let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(Stats {
        count: v.len(),
        min: v[0],
        p25: quantile(&v, 0.25),
        p50: quantile(&v, 0.5),
        p75: quantile(&v, 0.75),
        p95: quantile(&v, 0.95),
        max: v[v.len() - 1],
    })
}

/// The distribution of `metric` over the `nodes` that went through it.
pub fn metric_stats(nodes: &[NodeTimings], metric: Metric) -> Option<Stats> {
    stats(nodes.iter().filter_map(|n| metric.measured(n)))
}

/// A slow node and why.
#[derive(Debug, Clone, PartialEq)]
pub struct SlowNode {
    /// Index into the pool's nodes.
    pub index: usize,
    /// Its total, seconds.
    pub total: f64,
    /// The phase (of the stacked ones) furthest above its pool median.
    pub blame: Metric,
    /// How far above the median that phase is, seconds.
    pub excess: f64,
}

/// The `n` nodes with the largest total, slowest first, each naming the phase
/// that exceeds its pool median the most.
pub fn slowest(nodes: &[NodeTimings], n: usize) -> Vec<SlowNode> {
    let medians: Vec<(Metric, f64)> = Metric::STACKED
        .iter()
        .map(|&m| (m, metric_stats(nodes, m).map_or(0.0, |s| s.p50)))
        .collect();
    let mut slow: Vec<SlowNode> = nodes
        .iter()
        .enumerate()
        .filter_map(|(index, node)| {
            let total = Metric::Total.value(node)?;
            let (blame, excess) = medians
                .iter()
                .map(|&(m, median)| (m, m.measured(node).map_or(0.0, |v| v - median)))
                .max_by(|a, b| a.1.total_cmp(&b.1))?;
            Some(SlowNode {
                index,
                total,
                blame,
                excess,
            })
        })
        .collect();
    slow.sort_by(|a, b| b.total.total_cmp(&a.total).then(a.index.cmp(&b.index)));
    slow.truncate(n);
    slow
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.5), 2.5);
        assert!((quantile(&v, 0.95) - 3.85).abs() < 1e-12);
        assert_eq!(quantile(&[7.0], 0.95), 7.0);
        let s = stats([3.0, f64::NAN, 1.0, 2.0]).unwrap();
        assert_eq!((s.count, s.min, s.p50, s.max), (3, 1.0, 2.0, 3.0));
        assert!(stats([]).is_none());
    }

    fn node(id: &str, install: i64, gr: i64) -> NodeTimings {
        NodeTimings {
            node_id: id.into(),
            start_us: Some(0),
            nodeprep: Phase::done(0, install),
            docker_install: Phase::done(0, install),
            private_registry_setup: Phase::Absent,
            shipyard_container_pull: Phase::Absent,
            global_resources_loaded: Phase::done(install, gr),
            images: Vec::new(),
            last_event_us: install + gr,
        }
    }

    #[test]
    fn the_slowest_node_names_the_phase_that_made_it_slow() {
        let s = 1_000_000;
        let nodes = vec![
            node("a", 10 * s, 20 * s),
            node("b", 11 * s, 90 * s),
            node("c", 60 * s, 21 * s),
            node("d", 10 * s, 19 * s),
        ];
        let slow = slowest(&nodes, 2);
        assert_eq!(slow[0].index, 1);
        assert_eq!(slow[0].total, 101.0);
        assert_eq!(slow[0].blame, Metric::GlobalResourcesLoaded);
        assert_eq!(slow[1].index, 2);
        assert_eq!(slow[1].blame, Metric::DockerInstall);
        let mut open = node("e", 10 * s, 0);
        open.global_resources_loaded = Phase::Open { start_us: 0 };
        assert_eq!(
            Metric::Total.value(&open),
            None,
            "an open phase has no total"
        );
        assert_eq!(Metric::PrivateRegistrySetup.value(&open), Some(0.0));
    }
}
