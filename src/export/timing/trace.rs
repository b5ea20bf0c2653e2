//! Chrome Trace Event JSON of a perf analysis, for Perfetto or chrome://tracing:
//! one process per node (named by its id, ordered by start), one thread per
//! sub-lane of its Gantt row, a complete `X` event (µs) per finished phase and
//! a `B` event without its end for a phase that never ended. Written event by
//! event as it is made: a million nodes' trace never sits whole in memory.

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::perf::PerfAnalysis;
use crate::perf::lanes::{BarWhat, node_bars};

/// The trace of every pool's nodes (pid = node number across pools, from 1).
pub fn trace_json(a: &PerfAnalysis) -> Vec<u8> {
    let mut bytes = Vec::new();
    // Writing into memory cannot fail.
    let _ = write_trace(a, &mut bytes);
    bytes
}

/// Writes the trace to `w` one event at a time.
pub fn write_trace(a: &PerfAnalysis, w: &mut dyn Write) -> io::Result<()> {
    w.write_all(b"{\"traceEvents\":[")?;
    let mut first = true;
    let mut emit = |e: Value| -> io::Result<()> {
        if !std::mem::take(&mut first) {
            w.write_all(b",")?;
        }
        serde_json::to_writer(&mut *w, &e).map_err(io::Error::other)
    };
    let mut pid = 0u64;
    for pool in &a.pools {
        for node in &pool.nodes {
            pid += 1;
            let name = if a.pools.len() > 1 {
                format!("{} {}", pool.partition_key, node.node_id)
            } else {
                node.node_id.clone()
            };
            emit(
                json!({"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": name}}),
            )?;
            emit(
                json!({"ph": "M", "name": "process_sort_index", "pid": pid, "tid": 0, "args": {"sort_index": pid}}),
            )?;
            let laid = node_bars(node);
            for lane in 0..laid.lanes {
                let label = if lane == 0 {
                    "node".to_string()
                } else {
                    format!("lane {lane}")
                };
                emit(
                    json!({"ph": "M", "name": "thread_name", "pid": pid, "tid": lane + 1, "args": {"name": label}}),
                )?;
            }
            for bar in &laid.bars {
                let (name, cat, args) = match bar.what {
                    BarWhat::Phase(m) => (m.label().to_string(), "node", json!({})),
                    BarWhat::Image { index, phase } => {
                        let img = &node.images[index];
                        (
                            format!("{} {}", phase.key(), img.img),
                            "image",
                            json!({"img": img.img, "size_bytes": img.size_bytes}),
                        )
                    }
                };
                let mut e = json!({
                    "name": name,
                    "cat": cat,
                    "ph": if bar.open { "B" } else { "X" },
                    "ts": bar.start_us,
                    "pid": pid,
                    "tid": bar.lane + 1,
                    "args": args,
                });
                if !bar.open {
                    e["dur"] = json!(bar.end_us - bar.start_us);
                } else {
                    e["args"]["unfinished"] = json!(true);
                }
                emit(e)?;
            }
        }
    }
    w.write_all(b"],\"displayTimeUnit\":\"ms\",\"otherData\":")?;
    serde_json::to_writer(&mut *w, &json!({"source": a.path})).map_err(io::Error::other)?;
    w.write_all(b"}\n")
}
