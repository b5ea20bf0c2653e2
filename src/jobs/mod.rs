//! The job runner: a SQLite-backed task queue (the database is the message queue),
//! a foreman with a bounded worker pool, progress and cancellation, the per-hour
//! result cache, and the settings / recent files / history tables.

pub mod cache;
pub mod client;
pub mod db;
pub mod inputs;
pub mod queue;
pub mod runner;
pub mod settings;
pub mod sizes;
pub mod tasks;
