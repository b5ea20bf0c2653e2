//! A generated perf export (`segscope demo-perf`): one pool of nodes starting
//! up the way Batch Shipyard records it, with the defects real exports have.
//! Deterministic for a seed.
//!
//! Most nodes speak the 3.x vocabulary (`grtype=docker,` image messages, a
//! shipyard container pull, direct image pulls with Docker's sizes); every
//! fourth speaks 2.x (a private registry, peer-to-peer: the first such node
//! pulls and saves, the others torrent and load). A few nodes are slow in one
//! phase, one never finishes loading its global resources, one records its
//! `nodeprep:end` twice, and one pull-end message has a piece that is not
//! `key=value`.

use std::fmt::Write as _;

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

/// The events of every node, sorted as the table returns them (by RowKey).
fn events(o: &DemoPerfOptions) -> Vec<Event> {
    let mut rng = Rng(o.seed);
    let mut out = Vec::new();
    let sizes: Vec<u64> = (0..o.images)
        .map(|_| 5_000_000 + rng.below(1_500_000_000))
        .collect();
    let unfinished = o.nodes / 2;
    let duplicated = o.nodes / 3;
    let malformed = (2 * o.nodes) / 3;
    let mut seeded = false;
    for i in 0..o.nodes {
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
    }
    out.sort_by(|a, b| a.at_us.cmp(&b.at_us).then(a.node.cmp(&b.node)));
    // A RowKey is unique in its partition: Shipyard bumps a clashing time by
    // 1 µs, and so does the demo.
    for i in 1..out.len() {
        if out[i].at_us <= out[i - 1].at_us {
            out[i].at_us = out[i - 1].at_us + 1;
        }
    }
    out
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

/// The export's bytes.
pub fn demo_perf_export(o: &DemoPerfOptions) -> Vec<u8> {
    let evs = events(o);
    let mut s = String::with_capacity(evs.len() * 160);
    if o.jsonl {
        for e in &evs {
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
            let _ = writeln!(s, "{obj}");
        }
    } else {
        s.push_str("PartitionKey,RowKey,Timestamp,Event,Event@type,Message,Message@type,NodeId,NodeId@type\r\n");
        for e in &evs {
            let message = if e.message.is_empty() {
                ",".to_string()
            } else {
                format!("\"{}\",Edm.String", e.message.replace('"', "\"\""))
            };
            let _ = write!(
                s,
                "{DEMO_POOL},{},{},{},Edm.String,{message},{},Edm.String\r\n",
                row_key(e.at_us),
                insert_time(e.at_us),
                e.event,
                e.node
            );
        }
    }
    s.into_bytes()
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
