//! The app's shell, which knows no document kind's insides: the commands
//! (with their payloads, labels, tooltips and shortcuts), the command palette,
//! notifications, the open and export dialogs, the Jobs tab, settings and
//! theme, the automation that drives the window in tests and benchmarks, and
//! the store that does the database work the window asks for.

pub mod automation;
pub mod command;
pub mod command_palette;
pub mod export_dialog;
pub mod job;
pub mod jobs_panel;
pub mod notify;
pub mod open_dialog;
pub mod settings;
pub mod store;
pub mod theme;
pub mod views;
