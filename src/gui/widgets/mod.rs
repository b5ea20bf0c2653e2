//! Widgets every time-based view shares: the document's time view (range,
//! zoom history, linked cursor), the time axis, and the caption row with a
//! key to a view's colours.

pub mod axis;
pub mod legend;
pub mod time_view;
