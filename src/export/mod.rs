//! Exporters: pure functions from an [`crate::analysis::Analysis`] to bytes, and
//! the one place that writes files (atomically, never inside the analysed archive).

pub mod atomic;
pub mod csv;
pub mod html;
pub mod json;
pub mod png;
pub mod prom;
