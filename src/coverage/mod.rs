//! Coverage analysis: best-segment selection per hour, the continuous timeline
//! (holes, overlaps, partial-only time), per-hour figures and map rasters.

pub mod best;
pub mod lod;
pub mod raster;
pub mod timeline;
pub mod view;
