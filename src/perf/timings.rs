//! Per-node start-up timings from one pool's events (specs/perf.md §3), in
//! integer µs. Every defect graph.py raises on (a missing end, a duplicate, an
//! unmatched end, a malformed message) becomes a finding, and every other node
//! and phase is still computed.

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

use super::event::{PerfEvent, parse_size};

/// A phase of a node.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Phase {
    /// Its events are not in the export (a phase the pool does not have).
    Absent,
    /// Started at this instant and never ended.
    Open {
        /// Start, µs.
        start_us: i64,
    },
    /// Its events contradict each other (an end before its start); a
    /// finding says how, and it has no figure.
    Invalid,
    /// Done.
    Done {
        /// Start, µs.
        start_us: i64,
        /// Duration, µs (the end event's `diff` when it has one).
        duration_us: i64,
        /// The same in seconds as graph.py holds it: the `diff` value as
        /// written, else the µs difference divided by 10^6.
        seconds: f64,
    },
}

impl Phase {
    /// The duration, µs; 0 for an absent phase (as graph.py counts it), `None`
    /// for an open one.
    pub fn duration_or_zero(&self) -> Option<i64> {
        match *self {
            Phase::Absent => Some(0),
            Phase::Open { .. } | Phase::Invalid => None,
            Phase::Done { duration_us, .. } => Some(duration_us),
        }
    }

    /// A finished phase from its start and length in µs (no `diff`).
    pub fn done(start_us: i64, duration_us: i64) -> Phase {
        Phase::Done {
            start_us,
            duration_us,
            seconds: duration_us as f64 / 1e6,
        }
    }

    /// Seconds: `Some` for a finished phase, `Some(0.0)` for an absent one
    /// (as graph.py counts it), `None` for an open one.
    pub fn seconds_or_zero(&self) -> Option<f64> {
        match *self {
            Phase::Absent => Some(0.0),
            Phase::Open { .. } | Phase::Invalid => None,
            Phase::Done { seconds, .. } => Some(seconds),
        }
    }

    /// Seconds of a finished phase only.
    pub fn seconds(&self) -> Option<f64> {
        match *self {
            Phase::Done { seconds, .. } => Some(seconds),
            _ => None,
        }
    }

    /// Its start, µs, unless absent.
    pub fn start_us(&self) -> Option<i64> {
        match *self {
            Phase::Absent | Phase::Invalid => None,
            Phase::Open { start_us } | Phase::Done { start_us, .. } => Some(start_us),
        }
    }

    /// Its end, µs, when finished.
    pub fn end_us(&self) -> Option<i64> {
        match *self {
            Phase::Done {
                start_us,
                duration_us,
                ..
            } => Some(start_us + duration_us),
            _ => None,
        }
    }
}

/// What one image went through on one node.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageTimings {
    /// The image (`img=`).
    pub img: String,
    /// Pull (cascade:pull-start -> pull-end).
    pub pull: Phase,
    /// Save (peer-to-peer: save-start -> save-end).
    pub save: Phase,
    /// Load (load-start -> load-end).
    pub load: Phase,
    /// Torrent (torrent-start -> the next load-start).
    pub torrent: Phase,
    /// Its size, bytes (from the pull-end, save-end or load-start message).
    pub size_bytes: Option<u64>,
}

/// The timings of one node.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeTimings {
    /// Azure Batch node id.
    pub node_id: String,
    /// `nodeprep:start`, µs (`None` without it).
    pub start_us: Option<i64>,
    /// nodeprep:start -> nodeprep:end.
    pub nodeprep: Phase,
    /// nodeprep:start -> privateregistry:start, or the node prep without a
    /// private registry.
    pub docker_install: Phase,
    /// privateregistry:start -> :end.
    pub private_registry_setup: Phase,
    /// shipyard:pull-start -> :end.
    pub shipyard_container_pull: Phase,
    /// cascade:start -> cascade:gr-done.
    pub global_resources_loaded: Phase,
    /// Images in order of first appearance.
    pub images: Vec<ImageTimings>,
    /// The node's last event, µs (where its open phases are drawn up to).
    pub last_event_us: i64,
}

/// What is wrong with an event or a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A start without its end.
    MissingEnd,
    /// A node without `nodeprep:start`: it has no start time.
    MissingStart,
    /// A start or end repeated.
    Duplicate,
    /// An end without a start before it.
    Unmatched,
    /// A message, size or field that does not parse.
    Malformed,
    /// Worth knowing, not wrong (e.g. a node prep without `offer`/`sku`).
    Info,
}

impl FindingKind {
    /// Its name in reports (`missing_end`, …).
    pub fn key(self) -> &'static str {
        match self {
            FindingKind::MissingEnd => "missing_end",
            FindingKind::MissingStart => "missing_start",
            FindingKind::Duplicate => "duplicate",
            FindingKind::Unmatched => "unmatched",
            FindingKind::Malformed => "malformed",
            FindingKind::Info => "info",
        }
    }
}

/// A located problem; the rest of the work goes on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Line (or entity number) of the event, when it is about one.
    pub line: Option<usize>,
    /// The node.
    pub node: String,
    /// What kind of problem.
    pub kind: FindingKind,
    /// In words.
    pub message: String,
}

/// A `diff=` value: seconds as written (the float graph.py reads) and µs,
/// rounded; `None` when not a finite number.
fn diff_value(text: &str) -> Option<(f64, i64)> {
    let s: f64 = text.trim().parse().ok()?;
    (s.is_finite() && s.abs() < 9.0e9).then(|| (s, (s * 1e6).round() as i64))
}

/// One node's events, sorted, and the findings met while pairing them.
struct Pairing<'a> {
    node: &'a str,
    events: Vec<&'a PerfEvent>,
    used: HashSet<usize>,
    findings: Vec<Finding>,
}

impl<'a> Pairing<'a> {
    fn finding(&mut self, e: Option<&PerfEvent>, kind: FindingKind, message: String) {
        self.findings.push(Finding {
            line: e.map(|e| e.line),
            node: self.node.to_string(),
            kind,
            message,
        });
    }

    /// The phase from `start` to `end`: its length is the end's `diff` when
    /// it has a readable one, else the time between the events.
    fn done(&mut self, start: &PerfEvent, end: &PerfEvent) -> Phase {
        let by_time = Phase::done(start.at_us, end.at_us - start.at_us);
        match end.get("diff").map(|d| (d, diff_value(d))) {
            Some((_, Some((seconds, duration_us)))) if seconds >= 0.0 => Phase::Done {
                start_us: start.at_us,
                duration_us,
                seconds,
            },
            Some((d, Some(_))) => {
                self.finding(
                    Some(end),
                    FindingKind::Malformed,
                    format!("diff={d} is negative; the times are used"),
                );
                by_time
            }
            Some((d, None)) => {
                self.finding(
                    Some(end),
                    FindingKind::Malformed,
                    format!("diff={d:?} is not a number of seconds; the times are used"),
                );
                by_time
            }
            None => by_time,
        }
    }

    /// A node-level phase: the first `start` event, the first `end` after it;
    /// the other starts and ends of it are duplicates (or unmatched).
    fn phase(&mut self, start: &str, end: &str) -> (Phase, Option<&'a PerfEvent>) {
        let starts: Vec<usize> = (0..self.events.len())
            .filter(|&i| &*self.events[i].event == start)
            .collect();
        let ends: Vec<usize> = (0..self.events.len())
            .filter(|&i| &*self.events[i].event == end)
            .collect();
        let Some(&s) = starts.first() else {
            for &e in &ends {
                let ev = self.events[e];
                self.finding(
                    Some(ev),
                    FindingKind::Unmatched,
                    format!("{end} without {start} before it"),
                );
            }
            return (Phase::Absent, None);
        };
        for &extra in &starts[1..] {
            let ev = self.events[extra];
            self.finding(
                Some(ev),
                FindingKind::Duplicate,
                format!("{start} repeated"),
            );
        }
        let start_ev = self.events[s];
        let matched = ends.iter().copied().find(|&e| e > s);
        for &e in &ends {
            if Some(e) != matched {
                let ev = self.events[e];
                let (kind, what) = if e < s {
                    (FindingKind::Unmatched, "before its start")
                } else {
                    (FindingKind::Duplicate, "repeated")
                };
                self.finding(Some(ev), kind, format!("{end} {what}"));
            }
        }
        let phase = match matched {
            Some(e) => {
                let end_ev = self.events[e];
                self.done(start_ev, end_ev)
            }
            None => {
                self.finding(
                    Some(start_ev),
                    FindingKind::MissingEnd,
                    format!("{start} without {end}"),
                );
                Phase::Open {
                    start_us: start_ev.at_us,
                }
            }
        };
        (phase, Some(start_ev))
    }

    /// Per-image phases: each start of `img` to the next unused `end` event with
    /// the same `img` (or, for the torrent, the next load-start). With
    /// `seeding`, a start without its end is no open phase: in a
    /// peer-to-peer pool a node that pulled an image itself then seeds it
    /// (`torrent-start` and never a `load-start`), which graph.py skips too;
    /// its end is not recorded, so it is not drawn.
    fn image_phase(&mut self, img: &str, start: &str, end: &str, seeding: bool) -> Phase {
        let mut phase = Phase::Absent;
        for i in 0..self.events.len() {
            let ev = self.events[i];
            if &*ev.event != start || ev.get("img") != Some(img) {
                continue;
            }
            let matched = (i + 1..self.events.len()).find(|&j| {
                let e = self.events[j];
                &*e.event == end && e.get("img") == Some(img) && !self.used.contains(&j)
            });
            let this = match matched {
                Some(j) => {
                    // A load-start ends a torrent but still starts its load.
                    if end != "cascade:load-start" {
                        self.used.insert(j);
                    }
                    let end_ev = self.events[j];
                    if end == "cascade:load-start" {
                        Phase::done(ev.at_us, end_ev.at_us - ev.at_us)
                    } else {
                        self.done(ev, end_ev)
                    }
                }
                None if seeding => continue,
                None => {
                    self.finding(
                        Some(ev),
                        FindingKind::MissingEnd,
                        format!("{start} of {img} without {end}"),
                    );
                    Phase::Open { start_us: ev.at_us }
                }
            };
            if phase != Phase::Absent {
                self.finding(
                    Some(ev),
                    FindingKind::Duplicate,
                    format!("{start} of {img} repeated"),
                );
                continue;
            }
            phase = this;
        }
        phase
    }
}

/// The timings of every node of one pool's `events` (any order), sorted by
/// node start (nodes without one last, by id), and the findings.
pub fn node_timings(events: &[PerfEvent]) -> (Vec<NodeTimings>, Vec<Finding>) {
    let mut by_node: HashMap<&str, Vec<&PerfEvent>> = HashMap::new();
    for e in events {
        by_node.entry(&*e.node).or_default().push(e);
    }
    let mut groups: Vec<(&str, Vec<&PerfEvent>)> = by_node.into_iter().collect();
    groups.sort_unstable_by(|a, b| a.0.cmp(b.0));
    // Nodes are independent: computed in parallel, collected in node order.
    let done: Vec<(NodeTimings, Vec<Finding>)> = groups
        .into_par_iter()
        .map(|(node, evs)| one_node(node, evs))
        .collect();
    let mut nodes = Vec::with_capacity(done.len());
    let mut findings = Vec::new();
    for (n, f) in done {
        nodes.push(n);
        findings.extend(f);
    }
    nodes.sort_by(|a, b| {
        (a.start_us.is_none(), a.start_us, &a.node_id).cmp(&(
            b.start_us.is_none(),
            b.start_us,
            &b.node_id,
        ))
    });
    (nodes, findings)
}

/// The timings of one node from its events (any order) and the findings.
fn one_node<'a>(node: &'a str, mut evs: Vec<&'a PerfEvent>) -> (NodeTimings, Vec<Finding>) {
    evs.sort_by_key(|e| (e.at_us, e.line));
    let mut p = Pairing {
        node,
        events: evs,
        used: HashSet::new(),
        findings: Vec::new(),
    };
    let (nodeprep, prep_start) = p.phase("nodeprep:start", "nodeprep:end");
    if let Some(s) = prep_start
        && (s.get("offer").is_none() || s.get("sku").is_none())
    {
        p.finding(
            Some(s),
            FindingKind::Info,
            "nodeprep:start without offer/sku".into(),
        );
    }
    let (private_registry_setup, registry_start) =
        p.phase("privateregistry:start", "privateregistry:end");
    let docker_install = match (prep_start, registry_start) {
        (Some(s), Some(r)) if r.at_us < s.at_us => {
            p.finding(
                Some(r),
                FindingKind::Malformed,
                "privateregistry:start before nodeprep:start: docker_install has no length".into(),
            );
            Phase::Invalid
        }
        (Some(s), Some(r)) => Phase::done(s.at_us, r.at_us - s.at_us),
        _ => nodeprep,
    };
    if prep_start.is_none() {
        p.finding(
            None,
            FindingKind::MissingStart,
            "no nodeprep:start: the node has no start time".into(),
        );
    }
    let (shipyard_container_pull, _) = p.phase("shipyard:pull-start", "shipyard:pull-end");
    let (global_resources_loaded, _) = p.phase("cascade:start", "cascade:gr-done");
    let mut names: Vec<String> = Vec::new();
    for e in &p.events {
        if let Some(img) = e.get("img")
            && e.event.starts_with("cascade:")
            && !names.iter().any(|n| n == img)
        {
            names.push(img.to_string());
        }
    }
    let mut images = Vec::new();
    for img in names {
        let pull = p.image_phase(&img, "cascade:pull-start", "cascade:pull-end", false);
        let save = p.image_phase(&img, "cascade:save-start", "cascade:save-end", false);
        // A node that pulled the image itself seeds it.
        let seeds = pull != Phase::Absent;
        let torrent = p.image_phase(&img, "cascade:torrent-start", "cascade:load-start", seeds);
        let load = p.image_phase(&img, "cascade:load-start", "cascade:load-end", false);
        let size_bytes = image_size(&mut p, &img);
        images.push(ImageTimings {
            img,
            pull,
            save,
            load,
            torrent,
            size_bytes,
        });
    }
    for i in 0..p.events.len() {
        let e = p.events[i];
        let image_end = matches!(
            &*e.event,
            "cascade:pull-end" | "cascade:save-end" | "cascade:load-end"
        );
        if image_end && !p.used.contains(&i) {
            let img = e.get("img").unwrap_or("?").to_string();
            p.finding(
                Some(e),
                FindingKind::Unmatched,
                format!("{} of {img} without its start", e.event),
            );
        }
    }
    let timings = NodeTimings {
        node_id: node.to_string(),
        start_us: prep_start.map(|s| s.at_us),
        nodeprep,
        docker_install,
        private_registry_setup,
        shipyard_container_pull,
        global_resources_loaded,
        images,
        last_event_us: p.events.last().map_or(0, |e| e.at_us),
    };
    (timings, p.findings)
}

/// An image's size: from its pull-end, save-end or load-start message (the
/// first that has one); a size that does not parse is a finding.
fn image_size(p: &mut Pairing<'_>, img: &str) -> Option<u64> {
    let mut size = None;
    for i in 0..p.events.len() {
        let e = p.events[i];
        let carries = matches!(
            &*e.event,
            "cascade:pull-end" | "cascade:save-end" | "cascade:load-start"
        );
        if !carries || e.get("img") != Some(img) {
            continue;
        }
        let Some(text) = e.get("size") else { continue };
        match parse_size(text) {
            Some(bytes) => {
                size = size.or(Some(bytes));
            }
            None => p.finding(
                Some(e),
                FindingKind::Malformed,
                format!("size={text:?} of {img} is not a size"),
            ),
        }
    }
    size
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perf::event::parse_message;

    const T0: i64 = 1_497_000_000_000_000;
    const S: i64 = 1_000_000;

    fn ev(line: usize, node: &str, at_s: f64, event: &str, message: &str) -> PerfEvent {
        PerfEvent::new(
            T0 + (at_s * 1e6) as i64,
            node.into(),
            event.into(),
            &parse_message(message).unwrap(),
            line,
        )
    }

    fn clean_node(node: &str, t: f64) -> Vec<PerfEvent> {
        vec![
            ev(
                1,
                node,
                t,
                "nodeprep:start",
                "offer=UbuntuServer,sku=16.04-LTS",
            ),
            ev(
                2,
                node,
                t + 40.0,
                "privateregistry:start",
                "ipaddress=10.0.0.4",
            ),
            ev(3, node, t + 55.5, "privateregistry:end", ""),
            ev(4, node, t + 60.0, "nodeprep:end", ""),
            ev(5, node, t + 61.0, "cascade:start", ""),
            ev(6, node, t + 62.0, "cascade:pull-start", "img=alpine"),
            ev(
                7,
                node,
                t + 72.0,
                "cascade:pull-end",
                "img=alpine,diff=9.5,size=4.1 MB",
            ),
            ev(8, node, t + 80.0, "cascade:gr-done", "nglobalresources=1"),
        ]
    }

    #[test]
    fn a_clean_node_has_every_phase() {
        let (nodes, findings) = node_timings(&clean_node("n1", 0.0));
        assert!(findings.is_empty(), "{findings:?}");
        let n = &nodes[0];
        assert_eq!(n.start_us, Some(T0));
        assert_eq!(n.nodeprep, Phase::done(T0, 60 * S));
        assert_eq!(n.docker_install.duration_or_zero(), Some(40 * S));
        assert_eq!(
            n.private_registry_setup.duration_or_zero(),
            Some(15_500_000)
        );
        assert_eq!(n.shipyard_container_pull, Phase::Absent);
        assert_eq!(n.shipyard_container_pull.duration_or_zero(), Some(0));
        assert_eq!(n.global_resources_loaded.duration_or_zero(), Some(19 * S));
        let img = &n.images[0];
        assert_eq!(img.img, "alpine");
        assert_eq!(
            img.pull.duration_or_zero(),
            Some(9_500_000),
            "diff wins over the times"
        );
        assert_eq!(img.size_bytes, Some(4_100_000), "decimal units");
    }

    #[test]
    fn without_a_private_registry_docker_install_is_the_node_prep() {
        let evs: Vec<PerfEvent> = clean_node("n1", 0.0)
            .into_iter()
            .filter(|e| !e.event.starts_with("privateregistry"))
            .collect();
        let (nodes, _) = node_timings(&evs);
        assert_eq!(nodes[0].docker_install.duration_or_zero(), Some(60 * S));
        assert_eq!(nodes[0].private_registry_setup.duration_or_zero(), Some(0));
    }

    #[test]
    fn a_node_that_pulled_an_image_seeds_it_without_an_open_torrent() {
        // The seeder: pulls, saves, then starts a torrent and never loads.
        let mut evs = clean_node("seeder", 0.0);
        evs.extend([
            ev(20, "seeder", 73.0, "cascade:save-start", "img=alpine"),
            ev(
                21,
                "seeder",
                75.0,
                "cascade:save-end",
                "img=alpine,size=4100000,diff=2.0",
            ),
            ev(22, "seeder", 76.0, "cascade:torrent-start", "img=alpine"),
        ]);
        // A node that neither pulled nor loaded: its torrent is open.
        evs.extend([
            ev(30, "stuck", 0.0, "nodeprep:start", "offer=a,sku=b"),
            ev(31, "stuck", 60.0, "nodeprep:end", ""),
            ev(32, "stuck", 70.0, "cascade:torrent-start", "img=alpine"),
        ]);
        let (nodes, findings) = node_timings(&evs);
        let seeder = nodes.iter().find(|n| n.node_id == "seeder").unwrap();
        assert_eq!(seeder.images[0].torrent, Phase::Absent);
        assert!(findings.iter().all(|f| f.node != "seeder"), "{findings:?}");
        let stuck = nodes.iter().find(|n| n.node_id == "stuck").unwrap();
        assert!(matches!(stuck.images[0].torrent, Phase::Open { .. }));
        assert!(
            findings
                .iter()
                .any(|f| f.node == "stuck" && f.kind == FindingKind::MissingEnd)
        );
    }

    #[test]
    fn negative_lengths_are_findings_never_figures() {
        let mut evs = clean_node("n", 100.0);
        // The registry starts before the node prep; an image's diff is negative.
        for e in &mut evs {
            if &*e.event == "privateregistry:start" {
                e.at_us = T0;
            }
            if &*e.event == "cascade:pull-end" {
                e.message = "img=alpine,diff=-5".into();
            }
        }
        let (nodes, findings) = node_timings(&evs);
        let n = &nodes[0];
        assert_eq!(n.docker_install, Phase::Invalid);
        assert_eq!(n.docker_install.seconds_or_zero(), None);
        let pull = n.images[0].pull.duration_or_zero().unwrap();
        assert!(pull > 0, "the times, not -5 s: {pull}");
        let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
        assert!(
            messages.iter().any(|m| m.contains("before nodeprep:start")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("diff=-5 is negative")),
            "{messages:?}"
        );
        assert!(findings.iter().all(|f| f.line.is_some()));
    }

    #[test]
    fn defects_are_findings_and_the_rest_is_computed() {
        let mut evs = clean_node("good", 5.0);
        // A node whose prep never ends, with a repeated start and a second pull of
        // one image whose first end is used once only.
        evs.extend([
            ev(20, "bad", 0.0, "nodeprep:start", ""),
            ev(21, "bad", 1.0, "nodeprep:start", ""),
            ev(22, "bad", 2.0, "cascade:pull-start", "img=x"),
            ev(23, "bad", 3.0, "cascade:pull-end", "img=x,diff=1.0"),
            ev(24, "bad", 4.0, "cascade:pull-start", "img=x"),
            ev(25, "bad", 9.0, "cascade:pull-end", "img=x,size=garbage"),
            ev(26, "bad", 9.5, "cascade:gr-done", ""),
        ]);
        let (nodes, findings) = node_timings(&evs);
        assert_eq!(nodes.len(), 2);
        let bad = nodes.iter().find(|n| n.node_id == "bad").unwrap();
        assert_eq!(bad.nodeprep, Phase::Open { start_us: T0 });
        assert_eq!(bad.nodeprep.duration_or_zero(), None);
        assert_eq!(
            bad.images[0].pull.duration_or_zero(),
            Some(S),
            "the first start, first end"
        );
        let kinds = |k: FindingKind| findings.iter().filter(|f| f.kind == k).count();
        assert_eq!(kinds(FindingKind::MissingEnd), 1, "{findings:?}");
        assert_eq!(kinds(FindingKind::Duplicate), 2, "{findings:?}");
        assert_eq!(
            kinds(FindingKind::Unmatched),
            1,
            "gr-done without cascade:start"
        );
        assert_eq!(kinds(FindingKind::Malformed), 1, "the size");
        assert_eq!(kinds(FindingKind::Info), 1, "nodeprep without offer/sku");
        assert!(findings.iter().all(|f| f.node == "bad" && f.line.is_some()));
        let good = nodes.iter().find(|n| n.node_id == "good").unwrap();
        assert_eq!(good.nodeprep.duration_or_zero(), Some(60 * S));
        assert_eq!(nodes[0].node_id, "bad", "sorted by start");
    }

    #[test]
    fn torrent_ends_at_the_next_load_start_which_still_starts_the_load() {
        let evs = vec![
            ev(1, "n", 0.0, "nodeprep:start", "offer=a,sku=b"),
            ev(2, "n", 1.0, "nodeprep:end", ""),
            ev(3, "n", 2.0, "cascade:torrent-start", "img=i"),
            ev(4, "n", 7.0, "cascade:load-start", "img=i,size=1000"),
            ev(5, "n", 9.0, "cascade:load-end", "img=i,diff=2.5"),
        ];
        let (nodes, findings) = node_timings(&evs);
        assert!(findings.is_empty(), "{findings:?}");
        let img = &nodes[0].images[0];
        assert_eq!(img.torrent.duration_or_zero(), Some(5 * S));
        assert_eq!(img.load.duration_or_zero(), Some(2_500_000));
        assert_eq!(img.size_bytes, Some(1000), "plain bytes");
        assert_eq!(img.pull, Phase::Absent);
    }

    #[test]
    fn events_come_in_any_order() {
        let mut evs = clean_node("n1", 0.0);
        evs.reverse();
        let (nodes, findings) = node_timings(&evs);
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(nodes[0].nodeprep.duration_or_zero(), Some(60 * S));
        assert!(
            node_timings(&[]).0.is_empty(),
            "an empty pool is an empty result"
        );
    }
}
