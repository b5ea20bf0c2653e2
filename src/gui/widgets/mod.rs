//! Widgets every time-based view shares: the document's time view (range,
//! zoom history, linked cursor) and the time axis.

pub mod axis;
pub mod time_view;
