//! segscope: coverage, hole and overlap analysis of HLS segment archives
//! (wubloader layout: `ROOT/CHANNEL/QUALITY/HOUR/SEGMENT.ts`).
//!
//! Map of the crate (everything but `gui` is plain Rust, testable headless;
//! dependencies point down the list's layers: the core modules name neither
//! `jobs`, `monitor`, `export`, `cli` nor `gui`):
//!
//! * Core: [`archive`] (segment and hour names, layout detection, reading hour
//!   directories); [`coverage`] (best segment per start, the stream timeline,
//!   per-hour figures, rasters, the queries views need); [`analysis`] (the
//!   parallel, cancellable scan that ties them together, reuse of unchanged
//!   hours); [`perf`] (Batch Shipyard perf events, per-node timings, the demo
//!   export); [`anomaly`] (the Skyline ensemble over the series it is given,
//!   scan mode, derived series, importers); [`input`] (what a path is: an
//!   archive, a perf export or a series file); [`demo`] (the demo archive).
//! * [`jobs`]: the SQLite database, job queue, worker pool and typed client,
//!   the task kinds, the result cache, stored settings groups, and the
//!   database and cache work the core leaves to it (an anomaly run's inputs,
//!   bitrate sizes).
//! * [`monitor`]: the monitor tree, alert rules and history, the points of
//!   archives, perf exports, anomaly runs and segscope itself, the watch.
//! * [`export`]: every export kind, written atomically as it is made, never
//!   over an input or inside an archive read.
//! * Small helpers: [`time`] (µs instants and their text forms), [`text`]
//!   (untrusted names shown safely), [`memory`] (the process's own memory).
//! * Edges: [`cli`] (the command line), [`bench`](mod@bench) (`segscope
//!   bench`), `gui` (the desktop app; the only module using egui, eframe and
//!   rfd; the default `gui` feature).

pub mod analysis;
pub mod anomaly;
pub mod archive;
pub mod bench;
pub mod cli;
pub mod coverage;
pub mod demo;
pub mod export;
pub mod fleet;
#[cfg(feature = "gui")]
pub mod gui;
pub mod input;
pub mod jobs;
pub mod memory;
pub mod monitor;
pub mod perf;
pub mod text;
pub mod time;
