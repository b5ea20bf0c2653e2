//! The monitor tree (specs/monitor.md): named points in a tree, each with a
//! value, an alert level and the time it was last polled or set; a parent's
//! alert is the worst of its descendants. Points are either polled (on a
//! thread pool, each at its own interval, never twice at once, a failing or
//! panicking poll becoming an alert) or set by whoever computes them (the
//! archive watch sets a point per hour after each scan). Changes reach the
//! callers as [`Change`]s, returned and given to the listeners registered
//! with [`Monitor::on_change`]; alert changes are kept in the database
//! ([`history`]). No GUI dependency.

pub mod anomaly;
pub mod archive;
pub mod health;
pub mod history;
pub mod level;
pub mod perf;
pub mod rules;
pub mod tree;
pub mod watch;

pub use level::Level;
pub use tree::{Change, Monitor, PointView, PollError, Reading, quiet_poll_panics};
