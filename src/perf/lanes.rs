//! How a node's phases and images are laid out in its Gantt row and its trace:
//! bars packed onto as few sub-lanes as keep them from overlapping (parallel
//! image pulls get lanes of their own).

use super::summary::Metric;
use super::timings::{NodeTimings, Phase};

/// What a bar shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarWhat {
    /// A node-level phase.
    Phase(Metric),
    /// A phase (pull, save, torrent, load) of the node's image at this index.
    Image {
        /// Index into the node's images.
        index: usize,
        /// Which phase.
        phase: Metric,
    },
}

/// One bar of a node's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bar {
    /// Sub-lane, from 0.
    pub lane: u32,
    /// What it shows.
    pub what: BarWhat,
    /// Start, µs.
    pub start_us: i64,
    /// End, µs (for an open bar: the node's last event).
    pub end_us: i64,
    /// The phase never ended.
    pub open: bool,
}

/// A node's bars and how many sub-lanes they need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeBars {
    /// Bars, by lane then start.
    pub bars: Vec<Bar>,
    /// Sub-lanes used (at least 1).
    pub lanes: u32,
}

/// A span to place: what, start, end, open; an image's phases go as one group
/// so they stay on one lane.
struct Item {
    start: i64,
    end: i64,
    bars: Vec<(BarWhat, i64, i64, bool)>,
}

fn span(phase: &Phase, last_us: i64) -> Option<(i64, i64, bool)> {
    match *phase {
        Phase::Absent | Phase::Invalid => None,
        Phase::Open { start_us } => Some((start_us, last_us.max(start_us), true)),
        Phase::Done {
            start_us,
            duration_us,
            ..
        } => Some((start_us, start_us + duration_us.max(0), false)),
    }
}

/// Lays out `node`'s bars. The docker install is drawn only when it differs
/// from the node prep (with a private registry).
pub fn node_bars(node: &NodeTimings) -> NodeBars {
    let last = node.last_event_us;
    let mut items: Vec<Item> = Vec::new();
    for metric in [
        Metric::Nodeprep,
        Metric::DockerInstall,
        Metric::PrivateRegistrySetup,
        Metric::ShipyardContainerPull,
        Metric::GlobalResourcesLoaded,
    ] {
        let Some(phase) = metric.phase(node) else {
            continue;
        };
        if metric == Metric::DockerInstall && node.docker_install == node.nodeprep {
            continue;
        }
        if let Some((s, e, open)) = span(phase, last) {
            items.push(Item {
                start: s,
                end: e,
                bars: vec![(BarWhat::Phase(metric), s, e, open)],
            });
        }
    }
    for (index, img) in node.images.iter().enumerate() {
        let bars: Vec<(BarWhat, i64, i64, bool)> =
            [Metric::Pull, Metric::Save, Metric::Torrent, Metric::Load]
                .iter()
                .filter_map(|&m| {
                    let (s, e, open) = span(m.image_phase(img)?, last)?;
                    Some((BarWhat::Image { index, phase: m }, s, e, open))
                })
                .collect();
        if let (Some(start), Some(end)) = (
            bars.iter().map(|b| b.1).min(),
            bars.iter().map(|b| b.2).max(),
        ) {
            items.push(Item { start, end, bars });
        }
    }
    items.sort_by_key(|i| i.start);
    let mut lane_ends: Vec<i64> = Vec::new();
    let mut out = Vec::new();
    for item in items {
        let lane = match lane_ends.iter().position(|&end| end <= item.start) {
            Some(l) => l,
            None => {
                lane_ends.push(i64::MIN);
                lane_ends.len() - 1
            }
        };
        lane_ends[lane] = item.end.max(item.start + 1);
        out.extend(item.bars.into_iter().map(|(what, s, e, open)| Bar {
            lane: lane as u32,
            what,
            start_us: s,
            end_us: e,
            open,
        }));
    }
    out.sort_by_key(|b| (b.lane, b.start_us));
    NodeBars {
        bars: out,
        lanes: (lane_ends.len() as u32).max(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perf::timings::ImageTimings;

    fn image(img: &str, start: i64, len: i64) -> ImageTimings {
        ImageTimings {
            img: img.into(),
            pull: Phase::done(start, len),
            save: Phase::Absent,
            load: Phase::Absent,
            torrent: Phase::Absent,
            size_bytes: None,
        }
    }

    #[test]
    fn parallel_images_get_their_own_lanes_and_open_phases_run_to_the_last_event() {
        let node = NodeTimings {
            node_id: "n".into(),
            start_us: Some(0),
            nodeprep: Phase::done(0, 100),
            docker_install: Phase::done(0, 100),
            private_registry_setup: Phase::Absent,
            shipyard_container_pull: Phase::Absent,
            global_resources_loaded: Phase::Open { start_us: 100 },
            images: vec![
                image("a", 110, 50),
                image("b", 120, 50),
                image("c", 200, 10),
            ],
            last_event_us: 400,
        };
        let laid = node_bars(&node);
        let lane_of = |what: BarWhat| laid.bars.iter().find(|b| b.what == what).unwrap();
        let gr = lane_of(BarWhat::Phase(Metric::GlobalResourcesLoaded));
        assert!(gr.open && gr.end_us == 400 && gr.lane == 0, "{gr:?}");
        let pull = |index| {
            lane_of(BarWhat::Image {
                index,
                phase: Metric::Pull,
            })
            .lane
        };
        assert_ne!(pull(0), pull(1), "overlapping pulls");
        assert_eq!(pull(2), pull(0), "a later pull reuses a free lane");
        assert_eq!(laid.lanes, 3);
        assert!(
            laid.bars
                .iter()
                .all(|b| b.what != BarWhat::Phase(Metric::DockerInstall)),
            "docker install equal to the node prep is not drawn twice"
        );
    }
}
