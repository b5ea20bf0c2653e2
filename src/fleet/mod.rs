//! A fleet of recording nodes: several archives of the same streams, each a
//! directory or a restreamer's URL, read at once; what at least one node has
//! (the union), what every node lacks (lost), and what wubloader's backfiller
//! would copy where (the plan).

pub mod nodes;
pub mod plan;
pub mod union;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::analysis::{Analysis, AnalysisError, KeptListings, ScanObserver, ScanProgress};
use crate::archive::layout::{Layout, Selection};
use crate::archive::remote::NodeOptions;
use crate::coverage::best::HourSummary;
pub use nodes::{NodeSource, NodeSpec};

/// One stream's hour: (channel, quality, hour start µs).
pub type HourKey = (String, String, i64);

/// What reading one node gave.
#[derive(Debug, Clone)]
pub struct NodeResult {
    /// The node.
    pub spec: NodeSpec,
    /// Its analysis, or why it could not be read at all.
    pub analysis: Result<Arc<Analysis>, String>,
    /// Every hour's file names as its restreamer lists them with tombstones (for
    /// a directory: as the restreamer would list it). An hour whose listing
    /// failed has none.
    pub listings: HashMap<HourKey, plan::Names>,
    /// Hours the node has but could not list (their time is not known there).
    pub unlisted: HashSet<HourKey>,
}

impl NodeResult {
    /// True when the node was read (perhaps with some hours missing).
    pub fn is_read(&self) -> bool {
        self.analysis.is_ok()
    }
}

/// Every node's result, in the order the nodes were given.
#[derive(Debug, Clone, Default)]
pub struct Fleet {
    /// One per node.
    pub nodes: Vec<NodeResult>,
    /// Notes about the node list (names that collided).
    pub notes: Vec<String>,
}

/// Receives each node's progress while a fleet is read; can cancel it. Called
/// from worker threads.
pub trait FleetObserver: Sync {
    /// Node `node`'s layout is known: `hours` hours will be read.
    fn node_started(&self, _node: usize, _hours: usize) {}
    /// Node `node` read one more hour.
    fn node_progress(&self, _node: usize, _progress: ScanProgress) {}
    /// Node `node` is done (read, or failed).
    fn node_finished(&self, _node: usize, _result: &NodeResult) {}
    /// `true` stops the reading.
    fn is_cancelled(&self) -> bool {
        false
    }
}

/// An observer that does nothing.
pub struct NoFleetObserver;
impl FleetObserver for NoFleetObserver {}

struct PerNode<'a> {
    node: usize,
    inner: &'a dyn FleetObserver,
}

impl ScanObserver for PerNode<'_> {
    fn started(&self, layout: &Layout) {
        self.inner.node_started(self.node, layout.hours.len());
    }
    fn hour_done(&self, _stream: usize, _summary: &HourSummary, progress: ScanProgress) {
        self.inner.node_progress(self.node, progress);
    }
    fn is_cancelled(&self) -> bool {
        self.inner.is_cancelled()
    }
}

/// Nodes read at the same time; the others wait for a free slot.
pub const NODES_AT_ONCE: usize = 16;

/// Reads every node at once (at most [`NODES_AT_ONCE`]; each node's requests bounded by
/// `options.concurrency`). A node that cannot be read is a result with its
/// error; the others go on. `Err` only when cancelled.
pub fn scan_fleet(
    mut specs: Vec<NodeSpec>,
    selection: &Selection,
    options: NodeOptions,
    observer: &dyn FleetObserver,
) -> Result<Fleet, AnalysisError> {
    let notes = nodes::dedupe_names(&mut specs);
    // At most NODES_AT_ONCE nodes are read at a time (each with its own
    // requests in flight), however long the node list.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<NodeResult>>> =
        specs.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..specs.len().min(NODES_AT_ONCE) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(spec) = specs.get(i) else { break };
                    if observer.is_cancelled() {
                        break;
                    }
                    let per_node = PerNode {
                        node: i,
                        inner: observer,
                    };
                    let read = std::panic::AssertUnwindSafe(|| {
                        read_node(spec, selection, options, &per_node)
                    });
                    let r = std::panic::catch_unwind(read).unwrap_or_else(|_| NodeResult {
                        spec: spec.clone(),
                        analysis: Err("reading this node failed unexpectedly".into()),
                        listings: HashMap::new(),
                        unlisted: HashSet::new(),
                    });
                    observer.node_finished(i, &r);
                    if let Ok(mut slot) = slots[i].lock() {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    let results: Vec<NodeResult> = slots
        .into_iter()
        .zip(&specs)
        .map(|(slot, spec)| {
            slot.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| NodeResult {
                    spec: spec.clone(),
                    analysis: Err("this node was not read (stopped)".into()),
                    listings: HashMap::new(),
                    unlisted: HashSet::new(),
                })
        })
        .collect();
    if observer.is_cancelled() {
        return Err(AnalysisError::Cancelled);
    }
    Ok(Fleet {
        nodes: results,
        notes,
    })
}

/// Reads one node.
fn read_node(
    spec: &NodeSpec,
    selection: &Selection,
    options: NodeOptions,
    observer: &dyn ScanObserver,
) -> NodeResult {
    let kept = KeptListings::default();
    let analysis = spec
        .source
        .analyse(selection, options, observer, None, Some(&kept));
    let mut listings = HashMap::new();
    let mut unlisted = HashSet::new();
    let analysis = analysis.map_err(|e| e.to_string()).map(|a| {
        let mut kept = kept.take();
        for (index, stream) in a.streams.iter().enumerate() {
            for hour in &stream.hours {
                let key = (
                    stream.channel.clone(),
                    stream.quality.clone(),
                    hour.hour_start_us,
                );
                match kept.remove(&(index, hour.hour_start_us)) {
                    Some(names) => {
                        let names: Vec<&str> = names.split_terminator('\0').collect();
                        listings.insert(key, plan::restreamer_listing(&names));
                    }
                    None => {
                        unlisted.insert(key);
                    }
                }
            }
        }
        Arc::new(a)
    });
    NodeResult {
        spec: spec.clone(),
        analysis,
        listings,
        unlisted,
    }
}

/// A fleet read, with its union and backfill plan: what every output shows.
#[derive(Debug, Clone)]
pub struct FleetReport {
    /// The nodes' results.
    pub fleet: Fleet,
    /// Per stream, what the fleet has together.
    pub union: Vec<union::StreamUnion>,
    /// What the backfiller would copy where.
    pub plan: plan::Plan,
}

impl FleetReport {
    /// The union and plan of `fleet`.
    /// The nodes' listings are dropped once the plan is made (they are the
    /// largest part of a fleet in memory, and nothing else reads them).
    pub fn new(mut fleet: Fleet, options: plan::PlanOptions) -> FleetReport {
        let union = union::fleet_union(&fleet);
        let plan = plan::plan(&fleet, &union, options);
        for n in &mut fleet.nodes {
            n.listings = HashMap::new();
        }
        FleetReport { fleet, union, plan }
    }
}
