//! The Monitor tab: the tree of a document's monitor points and the alert
//! rules editor.

pub mod panel;
pub mod rules_editor;
