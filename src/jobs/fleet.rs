//! The `fleet` task: several recording nodes read at once (the node list from
//! arguments, a node file and wubloader's Postgres table), with their union and
//! backfill plan. The command line's `segscope nodes` and the app's fleet
//! documents both run it.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::{KindContext, TaskKind};
use super::runner::TaskError;
use crate::analysis::{AnalysisError, ScanProgress};
use crate::archive::layout::Selection;
use crate::archive::remote::NodeOptions;
use crate::fleet::nodes::{NodeSpec, read_node_database, read_node_file};
use crate::fleet::plan::{DEFAULT_RECENT_CUTOFF_S, PlanOptions};
use crate::fleet::{FleetObserver, FleetReport, NodeResult, scan_fleet};

/// Arguments of a `fleet` task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FleetArgs {
    /// Nodes as `[NAME=]SOURCE`.
    pub nodes: Vec<String>,
    /// A node file in the backfiller's format.
    pub node_file: Option<PathBuf>,
    /// wubloader's Postgres database (its `nodes` table).
    pub node_database: Option<String>,
    /// Channels to keep.
    pub channels: Vec<String>,
    /// Qualities to keep.
    pub qualities: Vec<String>,
    /// Hours ending after, µs.
    pub from_us: Option<i64>,
    /// Hours starting before, µs.
    pub to_us: Option<i64>,
    /// The plan's recent cutoff, seconds.
    pub recent_cutoff_s: f64,
    /// Requests in flight per node.
    pub concurrency: usize,
    /// Time allowed per request, seconds.
    pub timeout_s: f64,
}

impl Default for FleetArgs {
    fn default() -> Self {
        let node = NodeOptions::default();
        FleetArgs {
            nodes: Vec::new(),
            node_file: None,
            node_database: None,
            channels: Vec::new(),
            qualities: Vec::new(),
            from_us: None,
            to_us: None,
            recent_cutoff_s: DEFAULT_RECENT_CUTOFF_S,
            concurrency: node.concurrency,
            timeout_s: node.timeout.as_secs_f64(),
        }
    }
}

impl FleetArgs {
    /// The fleet a user typed: an existing file is a node file; a Postgres
    /// DSN (`postgres://…`, `postgresql://…`, or `host=… dbname=…`) the node
    /// database; anything else node sources separated by spaces.
    pub fn from_text(text: &str) -> FleetArgs {
        let text = text.trim();
        let mut args = FleetArgs::default();
        let lower = text.to_ascii_lowercase();
        if !text.is_empty() && std::path::Path::new(text).is_file() {
            args.node_file = Some(PathBuf::from(text));
        } else if lower.starts_with("postgres://")
            || lower.starts_with("postgresql://")
            || lower.contains("dbname=")
            || lower.starts_with("host=")
        {
            args.node_database = Some(text.to_string());
        } else {
            args.nodes = text.split_whitespace().map(str::to_string).collect();
        }
        args
    }

    /// A name for the fleet: its node file, its database, or its nodes.
    pub fn title(&self) -> String {
        if let Some(f) = &self.node_file {
            return f.file_name().map_or_else(
                || f.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
        }
        if self.node_database.is_some() {
            return "nodes of the node database".into();
        }
        match self.nodes.len() {
            1 => self.nodes[0].clone(),
            n => format!("{n} nodes"),
        }
    }

    /// The nodes named by the arguments, the node file and the database, in
    /// that order.
    pub fn node_list(&self) -> Result<Vec<NodeSpec>, String> {
        let mut specs = Vec::new();
        for arg in &self.nodes {
            specs.push(NodeSpec::parse(arg)?);
        }
        if let Some(file) = &self.node_file {
            specs.extend(read_node_file(file)?);
        }
        if let Some(dsn) = &self.node_database {
            specs.extend(read_node_database(dsn)?);
        }
        if specs.is_empty() {
            return Err(
                "no nodes given: name them (URL or directory), or give a node file or a node database"
                    .into(),
            );
        }
        Ok(specs)
    }
}

/// A node's progress, sent while the fleet is read.
#[derive(Debug, Clone)]
pub enum FleetPartial {
    /// The node list is known.
    Nodes(Vec<String>),
    /// Node `node` has listed `done` of its `total` hours.
    Progress {
        /// Index into the node list.
        node: usize,
        /// Hours listed.
        done: usize,
        /// Hours in all.
        total: usize,
    },
    /// Node `node` is done: its analysis (shown before the others are
    /// done), or why it could not be read.
    Finished {
        /// Index into the node list.
        node: usize,
        /// Its analysis, or its error.
        analysis: Result<std::sync::Arc<crate::analysis::Analysis>, String>,
    },
}

/// `fleet`: reads the nodes, builds the union and the plan.
pub struct Fleet;

struct Observer<'a, 'c> {
    ctx: &'a KindContext<'c, Fleet>,
    /// (done, total) per node.
    counts: Mutex<Vec<(usize, usize)>>,
}

impl Observer<'_, '_> {
    fn report(&self, node: usize, f: impl FnOnce(&mut (usize, usize))) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        if let Some(c) = counts.get_mut(node) {
            f(c);
        }
        let done: usize = counts.iter().map(|c| c.0).sum();
        let total: usize = counts.iter().map(|c| c.1).sum();
        self.ctx
            .progress(done as i64, total as i64, "hours listed on the nodes");
    }
}

impl FleetObserver for Observer<'_, '_> {
    fn node_started(&self, node: usize, hours: usize) {
        self.report(node, |c| c.1 = hours);
        self.ctx.partial(FleetPartial::Progress {
            node,
            done: 0,
            total: hours,
        });
    }
    fn node_progress(&self, node: usize, p: ScanProgress) {
        self.report(node, |c| c.0 = p.hours_done);
        self.ctx.partial(FleetPartial::Progress {
            node,
            done: p.hours_done,
            total: p.hours_total,
        });
    }
    fn node_finished(&self, node: usize, result: &NodeResult) {
        self.ctx.partial(FleetPartial::Finished {
            node,
            analysis: result.analysis.clone(),
        });
    }
    fn is_cancelled(&self) -> bool {
        self.ctx.is_cancelled()
    }
}

impl TaskKind for Fleet {
    const NAME: &'static str = "fleet";
    type Args = FleetArgs;
    type Partial = FleetPartial;
    type Output = FleetReport;

    fn run(
        ctx: &KindContext<'_, Self>,
        args: FleetArgs,
    ) -> Result<(Value, FleetReport), TaskError> {
        let specs = args.node_list().map_err(TaskError::Failed)?;
        ctx.partial(FleetPartial::Nodes(
            specs.iter().map(|s| s.name.clone()).collect(),
        ));
        let selection = Selection {
            channels: args.channels,
            qualities: args.qualities,
            from_us: args.from_us,
            to_us: args.to_us,
        };
        let options = NodeOptions {
            timeout: Duration::from_secs_f64(args.timeout_s.clamp(0.1, 3600.0)),
            concurrency: args.concurrency.clamp(1, 64),
            ..NodeOptions::default()
        };
        let observer = Observer {
            ctx,
            counts: Mutex::new(vec![(0, 0); specs.len()]),
        };
        let fleet = match scan_fleet(specs, &selection, options, &observer) {
            Ok(f) => f,
            Err(AnalysisError::Cancelled) => return Err(TaskError::Cancelled),
            Err(e) => return Err(TaskError::Failed(e.to_string())),
        };
        let report = FleetReport::new(
            fleet,
            PlanOptions {
                recent_cutoff_s: args.recent_cutoff_s,
                now_us: crate::time::now_us(),
            },
        );
        let result = json!({
            "nodes": report.fleet.nodes.len(),
            "unreadable": report.fleet.nodes.iter().filter(|n| !n.is_read()).count(),
            "fetches": report.plan.fetches.len(),
            "lost": report.plan.lost.len(),
        });
        Ok((result, report))
    }
}
