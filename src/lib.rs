//! segscope: coverage, hole and overlap analysis of HLS segment archives
//! (wubloader layout: `ROOT/CHANNEL/QUALITY/HOUR/SEGMENT.ts`).
//!
//! Map of the crate (everything here is plain Rust, testable headless):
//!
//! * [`archive`]: segment and hour names, layout detection, reading hour directories.
//! * [`coverage`]: best segment per start, the stream timeline (holes, overlaps,
//!   partial-only time), per-hour figures, coverage rasters.
//! * [`analysis`]: the parallel, cancellable scan that ties them together.
//! * [`export`]: JSON, CSV, Prometheus text and PNG maps, written atomically.
//! * [`demo`]: the deterministic demo archive generator.
//! * [`bench`](mod@bench): `segscope bench`, walk-versus-analysis timings.
//! * [`jobs`]: the SQLite job queue, worker pool and result cache.
//! * [`perf`]: Batch Shipyard perf events and per-node start-up timings.
//! * [`input`]: what a path is (segment archive, perf export).
//! * `gui`: the desktop app (the only module using egui, eframe and rfd; built
//!   with the default `gui` feature).
//! * [`cli`]: the command line.
//! * [`memory`]: the process's own resident memory (now and peak).
//! * [`time`]: µs instants and their text forms.
//! * [`text`]: untrusted names shown safely (terminal escapes, CSV formulas).

pub mod analysis;
pub mod anomaly;
pub mod archive;
pub mod bench;
pub mod cli;
pub mod coverage;
pub mod demo;
pub mod export;
#[cfg(feature = "gui")]
pub mod gui;
pub mod input;
pub mod jobs;
pub mod memory;
pub mod monitor;
pub mod perf;
pub mod text;
pub mod time;
