//! Exporters: pure functions from an [`crate::analysis::Analysis`] to bytes, and
//! the one place that writes files (atomically, never inside the analysed archive).
//! [`kinds`] names every export kind for the command line and the app alike.

pub mod anomaly;
pub mod atomic;
pub mod csv;
pub mod fleet;
pub mod folder;
pub mod html;
pub mod json;
pub mod kinds;
pub mod png;
pub mod prom;
pub mod timing;
