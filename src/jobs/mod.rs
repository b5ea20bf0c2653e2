//! The job runner: a SQLite-backed task queue (the database is the message queue),
//! a foreman with a bounded worker pool, progress and cancellation
//! ([`db`], [`queue`], [`runner`], [`client`]), the task kinds ([`tasks`]), the
//! per-hour result cache ([`cache`]), the stored settings groups and recent
//! files ([`settings`]), and the database and cache work the core modules
//! leave to this layer: reading an anomaly run's inputs ([`inputs`]) and the
//! bitrate sizes ([`sizes`]).

pub mod cache;
pub mod client;
pub mod db;
pub mod fleet;
pub mod inputs;
pub mod queue;
pub mod runner;
pub mod settings;
pub mod sizes;
pub mod tasks;
