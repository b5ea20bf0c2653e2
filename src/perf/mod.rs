//! Batch Shipyard perf data (specs/perf.md): the events of a node start-up
//! table export and the per-node timings computed from them, without the
//! crashes of graph.py.
//!
//! Built so far: reading every export form ([`read`]), parsing an event's
//! RowKey, message and sizes ([`event`]) and the timings with their findings
//! ([`timings`]). The `perf` task, the command line, the `.dat`/trace exports and
//! the timing views build on these.

pub mod event;
pub mod read;
pub mod timings;
