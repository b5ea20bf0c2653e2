//! The wubloader-layout coverage map: 2 s per pixel, 300 rows (10 minutes) per
//! column, 6 columns per hour, time running top to bottom then left to right;
//! white = hole or outside the data, orange = partial-only, blue = covered.

use image::{ImageFormat, Rgba, RgbaImage};

use crate::coverage::raster::{MapClass, mix_row};
use crate::coverage::timeline::StreamCoverage;
use crate::time::{HOUR_US, SECOND_US, hour_floor};

/// Seconds per pixel.
pub const PIXEL_SECONDS: i64 = 2;
/// Rows per column (10 minutes).
pub const ROWS: u32 = 300;
/// Columns per hour.
pub const COLUMNS_PER_HOUR: u32 = 6;

/// The hours a map covers by default: from the hour of the first start to the
/// hour holding the last end. `None` when the stream has no data.
pub fn data_hours(cov: &StreamCoverage) -> Option<(i64, i64)> {
    let first = hour_floor(cov.first_start_us?);
    let last = hour_floor(cov.last_end_us? - 1) + HOUR_US;
    Some((first, last))
}

/// Renders the map of the hours `[from_hour_us, to_hour_us)` (hour-aligned).
pub fn wubloader_map(cov: &StreamCoverage, from_hour_us: i64, to_hour_us: i64) -> RgbaImage {
    let hours = ((to_hour_us - from_hour_us) / HOUR_US).max(0);
    let width = u32::try_from(hours).unwrap_or(0) * COLUMNS_PER_HOUR;
    let mut img = RgbaImage::from_pixel(width, ROWS, Rgba([255, 255, 255, 255]));
    let column_us = i64::from(ROWS) * PIXEL_SECONDS * SECOND_US;
    for x in 0..width {
        let t0 = from_hour_us + i64::from(x) * column_us;
        for (y, mix) in mix_row(cov, t0, t0 + column_us, ROWS as usize)
            .iter()
            .enumerate()
        {
            img.put_pixel(x, y as u32, Rgba(MapClass::of(mix).wubloader_rgba()));
        }
    }
    img
}

/// Encodes an image as PNG bytes.
pub fn encode_png(img: &RgbaImage) -> Result<Vec<u8>, image::ImageError> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// File name of a stream's map: `CHANNEL_QUALITY_coverage.png`.
pub fn map_file_name(channel: &str, quality: &str) -> String {
    format!("{channel}_{quality}_coverage.png")
}

/// Why the maps could not be written.
#[derive(Debug, thiserror::Error)]
pub enum MapsError {
    /// The folder could not be created.
    #[error("cannot create {path}: {source}")]
    CreateDir {
        /// The folder.
        path: std::path::PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A map could not be encoded.
    #[error("cannot encode PNG: {0}")]
    Encode(#[from] image::ImageError),
    /// A map could not be written.
    #[error(transparent)]
    Write(#[from] super::atomic::WriteError),
}

/// What [`write_maps`] did.
#[derive(Debug, Default)]
pub struct MapsWritten {
    /// Maps written.
    pub written: usize,
    /// `CHANNEL/QUALITY` of streams without segments (no map).
    pub skipped: Vec<String>,
}

/// Writes `CHANNEL_QUALITY_coverage.png` for every stream into `dir` (created if
/// missing), atomically. The map covers the hours of `[from, to)` when given
/// (rounded out to whole hours), else the hours with data.
pub fn write_maps(
    analysis: &crate::analysis::Analysis,
    dir: &std::path::Path,
    from_us: Option<i64>,
    to_us: Option<i64>,
) -> Result<MapsWritten, MapsError> {
    std::fs::create_dir_all(dir).map_err(|source| MapsError::CreateDir {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut out = MapsWritten::default();
    for s in &analysis.streams {
        let data = data_hours(&s.coverage);
        let first = from_us.map(hour_floor).or(data.map(|d| d.0));
        let last = to_us
            .map(|t| hour_floor(t - 1) + HOUR_US)
            .or(data.map(|d| d.1));
        let (Some(first), Some(last)) = (first, last) else {
            out.skipped.push(format!("{}/{}", s.channel, s.quality));
            continue;
        };
        let bytes = encode_png(&wubloader_map(&s.coverage, first, last))?;
        super::atomic::write_atomic(&dir.join(map_file_name(&s.channel, &s.quality)), &bytes)?;
        out.written += 1;
    }
    Ok(out)
}
