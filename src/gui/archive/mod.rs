//! An archive document's views: the coverage timeline and its lane rasters,
//! the grid map, the holes, hours and bad segments tables, the loader that
//! runs and streams its analyses, and the background lookup of the files
//! behind a segment.

pub mod central;
pub mod doc;
pub mod file_lookup;
pub mod grid_view;
pub mod holes_panel;
pub mod hours_panel;
pub mod lane_raster;
pub mod loader;
pub mod status;
pub mod timeline;
