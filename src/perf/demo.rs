//! A generated perf export (`segscope demo-perf`): one pool of nodes starting
//! up the way Batch Shipyard records it, with the defects real exports have.
//! Deterministic for a seed.
//!
//! Most nodes speak the 3.x vocabulary (`grtype=docker,` image messages, a
//! shipyard container pull, direct image pulls with Docker's sizes); every
//! fourth speaks 2.x (a private registry, peer-to-peer: the first such node
//! pulls, saves and seeds, the others torrent and load). A few nodes are slow in one
//! phase, one never finishes loading its global resources, one records its
//! `nodeprep:end` twice, and one pull-end message has a piece that is not
//! `key=value`.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;

use crate::demo::Rng;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoPerfOptions {
    /// Nodes in the pool.
    pub nodes: usize,
    /// Images each node pulls.
    pub images: usize,
    /// JSON Lines instead of Storage Explorer CSV.
    pub jsonl: bool,
    /// Generator seed.
    pub seed: u64,
    /// When the first node starts, µs since the epoch.
    pub start_us: i64,
}

impl Default for DemoPerfOptions {
    fn default() -> Self {
        DemoPerfOptions {
            nodes: 48,
            images: 2,
            jsonl: false,
            seed: 1,
            start_us: 1_796_115_600_000_000, // 2026-12-01T09:00:00Z
        }
    }
}

/// The pool's PartitionKey.
pub const DEMO_POOL: &str = "demobatch$demo-pool";

/// The most nodes and images per node a demo export may have.
pub const MAX_NODES: usize = 200_000;
/// See [`MAX_NODES`].
pub const MAX_IMAGES: usize = 50;

struct Event {
    at_us: i64,
    node: String,
    event: &'static str,
    message: String,
}

const IMAGES: [&str; 6] = [
    "alpine:3.20",
    "nvidia/cuda:12.4.1-runtime-ubuntu22.04",
    "mcr.microsoft.com/azure-batch/shipyard:3.9.1-cargo",
    "tensorflow/tensorflow:2.16.1-gpu",
    "python:3.12-slim",
    "ubuntu:24.04",
];

fn image_name(k: usize) -> String {
    if k < IMAGES.len() {
        IMAGES[k].to_string()
    } else {
        format!("registry.example.com/app/worker-{k}:1.{k}")
    }
}

/// Seconds with µs as `diff=` writes them (`12.345678`).
fn secs(us: i64) -> String {
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

/// An image size the way Docker prints it, in one of the forms cascade writes.
fn docker_size(bytes: u64, form: u64) -> String {
    let mb = bytes as f64 / 1e6;
    match form % 3 {
        0 => format!("{mb:.1} MB"),
        1 => format!("{}MB", mb.round() as u64),
        _ => format!("ago {}MB", mb.round() as u64),
    }
}

/// The generator's state from node to node: its random stream, the image
/// sizes, the nodes that carry a defect, and whether the peer-to-peer seeder
/// has come.
struct Generator<'o> {
    o: &'o DemoPerfOptions,
    rng: Rng,
    sizes: Vec<u64>,
    unfinished: usize,
    duplicated: usize,
    malformed: usize,
    seeded: bool,
}

impl<'o> Generator<'o> {
    fn new(o: &'o DemoPerfOptions) -> Self {
        let mut rng = Rng(o.seed);
        let sizes: Vec<u64> = (0..o.images)
            .map(|_| 5_000_000 + rng.below(1_500_000_000))
            .collect();
        Generator {
            o,
            rng,
            sizes,
            unfinished: o.nodes / 2,
            duplicated: o.nodes / 3,
            malformed: (2 * o.nodes) / 3,
            seeded: false,
        }
    }

    /// The earliest a node `i` can start: no event of it or of a later node
    /// comes before.
    fn earliest_start_us(&self, i: usize) -> i64 {
        self.o.start_us + i as i64 * 150_000
    }

    /// Node `i`'s events (nodes are made in order, 0 first).
    fn node(&mut self, i: usize) -> Vec<Event> {
        let o = self.o;
        let (unfinished, duplicated, malformed) =
            (self.unfinished, self.duplicated, self.malformed);
        let sizes = &self.sizes;
        let rng = &mut self.rng;
        let mut seeded = self.seeded;
        let mut out = Vec::new();
        let node = format!("tvm-1310900172_{i}-20261201t090000z");
        let legacy = i % 4 == 3;
        let slow = rng.chance(60);
        let slow_phase = rng.below(3);
        let mut t = o.start_us + i as i64 * 150_000 + rng.below(4_000_000) as i64;
        let mut push = |at: i64, event: &'static str, message: String| {
            out.push(Event {
                at_us: at,
                node: node.clone(),
                event,
                message,
            });
        };
        let offer = if legacy {
            "offer=UbuntuServer,sku=16.04-LTS"
        } else {
            "offer=ubuntu-server-container,sku=20-04-lts"
        };
        push(t, "nodeprep:start", offer.into());
        let mut install = 25_000_000 + rng.below(20_000_000) as i64;
        if slow && slow_phase == 0 {
            install *= 4;
        }
        t += install;
        if legacy {
            push(
                t,
                "privateregistry:start",
                format!("ipaddress=10.0.0.{}", 4 + i % 250),
            );
            t += 8_000_000 + rng.below(10_000_000) as i64;
            push(t, "privateregistry:end", String::new());
        } else {
            push(t, "shipyard:pull-start", String::new());
            let mut pull = 6_000_000 + rng.below(6_000_000) as i64;
            if slow && slow_phase == 1 {
                pull *= 6;
            }
            t += pull;
            push(t, "shipyard:pull-end", String::new());
        }
        t += 1_000_000 + rng.below(2_000_000) as i64;
        push(t, "nodeprep:end", String::new());
        if i == duplicated {
            push(t + 1, "nodeprep:end", String::new());
        }
        t += 500_000 + rng.below(1_000_000) as i64;
        let mode = if legacy {
            String::new()
        } else {
            "mode=docker".into()
        };
        push(t, "cascade:start", mode);
        // Images are pulled two at a time: each pair starts when the one
        // before it is done.
        let mut pair_start = t;
        let mut pair_end = t;
        for (k, &size) in sizes.iter().enumerate() {
            let img = image_name(k);
            if k % 2 == 0 {
                pair_start = pair_end;
            }
            let start = pair_start;
            let rate = 40e6 + rng.below(60_000_000) as f64; // bytes/s
            let mut len = (size as f64 / rate * 1e6) as i64 + rng.below(2_000_000) as i64;
            if slow && slow_phase == 2 {
                len *= 5;
            }
            let mut at = start;
            if !legacy {
                let prefix = "grtype=docker,";
                push(at, "cascade:pull-start", format!("{prefix}img={img}"));
                at += len;
                let mut msg = format!(
                    "{prefix}img={img},diff={},size={}",
                    secs(len),
                    docker_size(size, rng.next())
                );
                if i == malformed && k == 0 {
                    msg.push_str(",layers");
                }
                push(at, "cascade:pull-end", msg);
            } else if !seeded {
                push(at, "cascade:pull-start", format!("img={img}"));
                at += len;
                push(
                    at,
                    "cascade:pull-end",
                    format!("img={img},diff={},size={}", secs(len), docker_size(size, 0)),
                );
                let save = len / 3;
                push(at, "cascade:save-start", format!("img={img}"));
                at += save;
                push(
                    at,
                    "cascade:save-end",
                    format!("img={img},size={size},diff={}", secs(save)),
                );
                // Then it seeds the image to the others (no load follows).
                push(at, "cascade:torrent-start", format!("img={img}"));
            } else {
                push(at, "cascade:torrent-start", format!("img={img}"));
                at += len / 2;
                push(at, "cascade:load-start", format!("img={img},size={size}"));
                let load = len / 3;
                at += load;
                push(
                    at,
                    "cascade:load-end",
                    format!("img={img},diff={}", secs(load)),
                );
            }
            pair_end = pair_end.max(at);
        }
        if legacy {
            seeded = true;
        }
        if i != unfinished {
            push(
                pair_end + 200_000,
                "cascade:gr-done",
                format!("nglobalresources={}", o.images),
            );
        }
        self.seeded = seeded;
        out
    }
}

/// One event waiting to be written, ordered as the table returns rows: by
/// time, then node, then the order it was made in.
type Pending = std::cmp::Reverse<(i64, String, u64, &'static str, String)>;

/// Calls `emit` with every event in the table's order (by RowKey), making
/// the nodes one by one and holding only the events of the nodes still
/// starting up: the export is written as it is made, never whole in memory.
/// A RowKey is unique in its partition: Shipyard bumps a clashing time by
/// 1 µs, and so does the demo.
fn for_each_event(
    o: &DemoPerfOptions,
    mut emit: impl FnMut(&Event) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut generator = Generator::new(o);
    let mut waiting: std::collections::BinaryHeap<Pending> = std::collections::BinaryHeap::new();
    let mut made = 0u64;
    let mut last_us = i64::MIN;
    let mut release = |waiting: &mut std::collections::BinaryHeap<Pending>,
                       before_us: i64|
     -> std::io::Result<()> {
        while waiting.peek().is_some_and(|p| p.0.0 < before_us) {
            let Some(std::cmp::Reverse((at_us, node, _, event, message))) = waiting.pop() else {
                break;
            };
            let at_us = if at_us <= last_us { last_us + 1 } else { at_us };
            last_us = at_us;
            emit(&Event {
                at_us,
                node,
                event,
                message,
            })?;
        }
        Ok(())
    };
    for i in 0..o.nodes {
        release(&mut waiting, generator.earliest_start_us(i))?;
        for e in generator.node(i) {
            waiting.push(std::cmp::Reverse((
                e.at_us, e.node, made, e.event, e.message,
            )));
            made += 1;
        }
    }
    release(&mut waiting, i64::MAX)
}

fn row_key(us: i64) -> String {
    format!(
        "{}.{:06}",
        us.div_euclid(1_000_000),
        us.rem_euclid(1_000_000)
    )
}

fn insert_time(us: i64) -> String {
    // The server's insert time, shortly after the event.
    crate::time::format_iso(us + 180_000)
}

/// Where the default demo perf export lives: `demo-perf.csv` (or `.jsonl`) in
/// segscope's data directory.
pub fn default_demo_perf(jsonl: bool) -> PathBuf {
    let name = if jsonl {
        "demo-perf.jsonl"
    } else {
        "demo-perf.csv"
    };
    crate::demo::data_dir().map_or_else(|| PathBuf::from(name), |d| d.join(name))
}

/// The export's bytes.
pub fn demo_perf_export(o: &DemoPerfOptions) -> Vec<u8> {
    let mut bytes = Vec::new();
    // Writing into memory cannot fail.
    let _ = write_demo_perf_export(o, &mut bytes);
    bytes
}

/// Writes the export to `w` as it is made (the nodes still starting up held in
/// memory, the rows in RowKey order); returns
/// the bytes written.
pub fn write_demo_perf_export(o: &DemoPerfOptions, w: &mut dyn Write) -> std::io::Result<u64> {
    let mut written = 0u64;
    let mut line = String::with_capacity(512);
    if !o.jsonl {
        line.push_str("PartitionKey,RowKey,Timestamp,Event,Event@type,Message,Message@type,NodeId,NodeId@type\r\n");
    }
    for_each_event(o, |e| {
        if o.jsonl {
            let mut obj = serde_json::json!({
                "PartitionKey": DEMO_POOL,
                "RowKey": row_key(e.at_us),
                "Timestamp": insert_time(e.at_us),
                "Event": e.event,
                "NodeId": e.node,
            });
            if !e.message.is_empty() {
                obj["Message"] = e.message.clone().into();
            }
            let _ = writeln!(line, "{obj}");
        } else {
            let message = if e.message.is_empty() {
                ",".to_string()
            } else {
                format!("\"{}\",Edm.String", e.message.replace('"', "\"\""))
            };
            let _ = write!(
                line,
                "{DEMO_POOL},{},{},{},Edm.String,{message},{},Edm.String\r\n",
                row_key(e.at_us),
                insert_time(e.at_us),
                e.event,
                e.node
            );
        }
        w.write_all(line.as_bytes())?;
        written += line.len() as u64;
        line.clear();
        Ok(())
    })?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perf::read::read_export;
    use crate::perf::timings::{FindingKind, node_timings};

    #[test]
    fn the_demo_has_every_defect_it_promises_and_both_forms_agree() {
        let o = DemoPerfOptions::default();
        let csv = demo_perf_export(&o);
        let (_, export) = read_export(&csv[..]).unwrap();
        assert_eq!(export.pools.len(), 1);
        assert_eq!(
            export.findings.len(),
            1,
            "the malformed message: {:?}",
            export.findings
        );
        let (nodes, findings) = node_timings(&export.pools[DEMO_POOL]);
        assert_eq!(nodes.len(), o.nodes);
        let count = |k: FindingKind| findings.iter().filter(|f| f.kind == k).count();
        assert_eq!(count(FindingKind::MissingEnd), 1, "{findings:?}");
        assert_eq!(count(FindingKind::Duplicate), 1, "{findings:?}");
        assert!(
            nodes
                .iter()
                .any(|n| n.images.iter().any(|i| i.torrent.seconds().is_some())),
            "peer-to-peer"
        );
        assert!(
            nodes
                .iter()
                .any(|n| n.private_registry_setup.seconds().is_some())
        );
        assert!(
            nodes
                .iter()
                .any(|n| n.shipyard_container_pull.seconds().is_some())
        );
        let jsonl = demo_perf_export(&DemoPerfOptions {
            jsonl: true,
            ..o.clone()
        });
        let (_, from_jsonl) = read_export(&jsonl[..]).unwrap();
        let (again, _) = node_timings(&from_jsonl.pools[DEMO_POOL]);
        assert_eq!(again, nodes);
        assert_eq!(demo_perf_export(&o), csv, "deterministic");
    }
}
