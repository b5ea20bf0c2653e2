//! The wubloader-layout coverage map: 2 s per pixel, 300 rows (10 minutes) per
//! column, 6 columns per hour, time running top to bottom then left to right;
//! white = hole or outside the data, orange = partial-only, blue = covered.
//!
//! Unlike wubloader's, a map never grows with empty time: a stretch of more than
//! [`ELIDE_HOURS`] hours without a single segment (a recorder that was off for
//! days, a clock that fell back to 1970, a `--from` far in the past) is drawn as
//! a grey break of [`BREAK_COLUMNS`] columns instead of white hours. Archives
//! without such stretches get wubloader's map pixel for pixel. A map still wider
//! than [`MAX_MAP_WIDTH`] pixels is refused with a message naming its span.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use image::{ImageFormat, Rgba, RgbaImage};

use crate::coverage::raster::{MapClass, mix_row};
use crate::coverage::timeline::StreamCoverage;
use crate::time::{HOUR_US, SECOND_US, format_hour, hour_floor};

/// Seconds per pixel.
pub const PIXEL_SECONDS: i64 = 2;
/// Rows per column (10 minutes).
pub const ROWS: u32 = 300;
/// Columns per hour.
pub const COLUMNS_PER_HOUR: u32 = 6;
/// Empty stretches longer than this many hours are drawn as a break.
pub const ELIDE_HOURS: i64 = 24;
/// Width of a break, columns.
pub const BREAK_COLUMNS: u32 = 2;
/// Colour of a break (grey: neither a hole nor data).
pub const BREAK_RGBA: [u8; 4] = [0x80, 0x80, 0x80, 255];
/// The widest map written, pixels (what common image viewers and browsers open;
/// about 455 days of hours with data).
pub const MAX_MAP_WIDTH: u32 = 65_535;
/// The longest file name most file systems take, bytes.
pub const NAME_MAX: usize = 255;

/// The hours a map covers by default: from the hour of the first start to the
/// hour holding the last end. `None` when the stream has no data.
pub fn data_hours(cov: &StreamCoverage) -> Option<(i64, i64)> {
    let first = hour_floor(cov.first_start_us?);
    let last = hour_floor(cov.last_end_us? - 1) + HOUR_US;
    Some((first, last))
}

/// One stretch of a map, left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// Hours drawn as wubloader does, from column `x`.
    Hours {
        /// First column.
        x: u32,
        /// Start of the first hour, µs.
        start_us: i64,
        /// Number of hours.
        hours: i64,
    },
    /// An elided empty stretch `[from_us, to_us)`, drawn as a grey break from column `x`.
    Break {
        /// First column.
        x: u32,
        /// Start of the stretch, µs (hour-aligned).
        from_us: i64,
        /// End of the stretch, µs (hour-aligned).
        to_us: i64,
    },
}

/// Where each hour of a map goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapLayout {
    /// The pieces, left to right.
    pub pieces: Vec<Piece>,
    /// Width in pixels.
    pub width: u32,
}

/// Why a map cannot be drawn.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error(
    "the map of {from} to {to} would be {width} pixels wide (more than {MAX_MAP_WIDTH}: {hours} hours with data); choose a shorter range with --from/--to"
)]
pub struct MapTooWide {
    /// First hour, text.
    pub from: String,
    /// End hour, text.
    pub to: String,
    /// Hours drawn (not elided).
    pub hours: i64,
    /// Width it would have.
    pub width: u64,
}

/// Runs of whole hours that hold covered time, sorted and merged, as `[a, b)`.
fn data_hour_runs(cov: &StreamCoverage) -> Vec<(i64, i64)> {
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for iv in &cov.raw_union {
        if iv.end_us <= iv.start_us {
            continue;
        }
        let (a, b) = (hour_floor(iv.start_us), hour_floor(iv.end_us - 1) + HOUR_US);
        match runs.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => runs.push((a, b)),
        }
    }
    runs
}

impl MapLayout {
    /// Lays out the hours `[from_hour_us, to_hour_us)` (hour-aligned), eliding
    /// empty stretches longer than [`ELIDE_HOURS`].
    pub fn plan(
        cov: &StreamCoverage,
        from_hour_us: i64,
        to_hour_us: i64,
    ) -> Result<MapLayout, MapTooWide> {
        let mut pieces = Vec::new();
        let mut x: u64 = 0;
        let mut drawn_hours: i64 = 0;
        let mut push_hours = |pieces: &mut Vec<Piece>, x: &mut u64, a: i64, b: i64| {
            if b > a {
                let hours = (b - a) / HOUR_US;
                pieces.push(Piece::Hours {
                    x: u32::try_from(*x).unwrap_or(u32::MAX),
                    start_us: a,
                    hours,
                });
                *x += hours as u64 * u64::from(COLUMNS_PER_HOUR);
                drawn_hours += hours;
            }
        };
        // Walk the empty stretches between runs of data hours inside the range.
        let mut cursor = from_hour_us;
        let runs = data_hour_runs(cov);
        let gaps = runs
            .iter()
            .map(|&(a, b)| (a.max(from_hour_us), b.min(to_hour_us)))
            .filter(|(a, b)| a < b)
            .map(Some)
            .chain(std::iter::once(None));
        let mut start_of_drawn = from_hour_us;
        for run in gaps {
            let gap_end = run.map_or(to_hour_us, |r| r.0);
            if gap_end > cursor && (gap_end - cursor) / HOUR_US > ELIDE_HOURS {
                push_hours(&mut pieces, &mut x, start_of_drawn, cursor);
                pieces.push(Piece::Break {
                    x: u32::try_from(x).unwrap_or(u32::MAX),
                    from_us: cursor,
                    to_us: gap_end,
                });
                x += u64::from(BREAK_COLUMNS);
                start_of_drawn = gap_end;
            }
            if let Some((_, b)) = run {
                cursor = b;
            }
        }
        push_hours(
            &mut pieces,
            &mut x,
            start_of_drawn,
            to_hour_us.max(start_of_drawn),
        );
        if x > u64::from(MAX_MAP_WIDTH) {
            return Err(MapTooWide {
                from: format_hour(from_hour_us),
                to: format_hour(to_hour_us),
                hours: drawn_hours,
                width: x,
            });
        }
        Ok(MapLayout {
            pieces,
            width: u32::try_from(x).unwrap_or(0),
        })
    }

    /// The elided stretches, `[from, to)` µs.
    pub fn breaks(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.pieces.iter().filter_map(|p| match *p {
            Piece::Break { from_us, to_us, .. } => Some((from_us, to_us)),
            Piece::Hours { .. } => None,
        })
    }

    /// What the pixel at column `col`, row `row` shows: `Ok(start of its 2 s)`, or
    /// `Err((from, to))` for a break; `None` outside the map.
    pub fn time_at(&self, col: u32, row: u32) -> Option<Result<i64, (i64, i64)>> {
        if row >= ROWS || col >= self.width {
            return None;
        }
        let piece = self.pieces.iter().rev().find(|p| match **p {
            Piece::Hours { x, .. } | Piece::Break { x, .. } => x <= col,
        })?;
        Some(match *piece {
            Piece::Hours { x, start_us, .. } => {
                let column_us = i64::from(ROWS) * PIXEL_SECONDS * SECOND_US;
                Ok(start_us
                    + i64::from(col - x) * column_us
                    + i64::from(row) * PIXEL_SECONDS * SECOND_US)
            }
            Piece::Break { from_us, to_us, .. } => Err((from_us, to_us)),
        })
    }
}

/// Renders a planned map.
pub fn render_map(cov: &StreamCoverage, layout: &MapLayout) -> RgbaImage {
    let mut img = RgbaImage::from_pixel(layout.width, ROWS, Rgba([255, 255, 255, 255]));
    let column_us = i64::from(ROWS) * PIXEL_SECONDS * SECOND_US;
    for piece in &layout.pieces {
        match *piece {
            Piece::Hours { x, start_us, hours } => {
                let columns = u32::try_from(hours).unwrap_or(0) * COLUMNS_PER_HOUR;
                for c in 0..columns {
                    let t0 = start_us + i64::from(c) * column_us;
                    for (y, mix) in mix_row(cov, t0, t0 + column_us, ROWS as usize)
                        .iter()
                        .enumerate()
                    {
                        img.put_pixel(x + c, y as u32, Rgba(MapClass::of(mix).wubloader_rgba()));
                    }
                }
            }
            Piece::Break { x, .. } => {
                for c in x..(x + BREAK_COLUMNS).min(layout.width) {
                    for y in 0..ROWS {
                        img.put_pixel(c, y, Rgba(BREAK_RGBA));
                    }
                }
            }
        }
    }
    img
}

/// The hours a stream's map covers: `[from, to)` when given (rounded out to
/// whole hours), else the hours with data. `None` without data and range.
pub fn map_range(
    cov: &StreamCoverage,
    from_us: Option<i64>,
    to_us: Option<i64>,
) -> Option<(i64, i64)> {
    let data = data_hours(cov);
    let first = from_us.map(hour_floor).or(data.map(|d| d.0))?;
    let last = to_us
        .map(|t| hour_floor(t - 1) + HOUR_US)
        .or(data.map(|d| d.1))?;
    Some((first, last.max(first)))
}

/// Encodes an image as PNG bytes.
pub fn encode_png(img: &RgbaImage) -> Result<Vec<u8>, image::ImageError> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// wubloader's file name of a stream's map: `CHANNEL_QUALITY_coverage.png`.
pub fn map_file_name(channel: &str, quality: &str) -> String {
    format!("{channel}_{quality}_coverage.png")
}

/// File names for every `(channel, quality)`, in order, all different: wubloader's
/// name where no other stream shares it; otherwise underscores inside the names
/// are doubled (`a_b`+`c` is `a__b_c_coverage.png`, `a`+`b_c` is
/// `a_b__c_coverage.png`), and a number is added if even that is taken.
pub fn unique_map_names<'a>(streams: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let streams: Vec<(&str, &str)> = streams.into_iter().collect();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (c, q) in &streams {
        *counts.entry(map_file_name(c, q)).or_default() += 1;
    }
    let plain: HashSet<String> = counts
        .iter()
        .filter(|(_, n)| **n == 1)
        .map(|(name, _)| name.clone())
        .collect();
    let mut used: HashSet<String> = HashSet::new();
    streams
        .iter()
        .map(|(c, q)| {
            let wub = map_file_name(c, q);
            let base = if plain.contains(&wub) {
                wub
            } else {
                map_file_name(&c.replace('_', "__"), &q.replace('_', "__"))
            };
            let mut name = base.clone();
            let mut k = 2;
            while used.contains(&name) || (name != map_file_name(c, q) && plain.contains(&name)) {
                name = base.replace("_coverage.png", &format!("_coverage-{k}.png"));
                k += 1;
            }
            used.insert(name.clone());
            name
        })
        .collect()
}

/// Why the maps could not be written at all.
#[derive(Debug, thiserror::Error)]
pub enum MapsError {
    /// The folder could not be created.
    #[error("cannot create {path}: {reason}")]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// The operating system's reason.
        reason: std::io::Error,
    },
}

/// One map written.
#[derive(Debug, Clone)]
pub struct MapWritten {
    /// `CHANNEL/QUALITY`.
    pub stream: String,
    /// The file.
    pub path: PathBuf,
    /// Elided empty stretches, `[from, to)` µs.
    pub breaks: Vec<(i64, i64)>,
}

/// What [`write_maps`] did.
#[derive(Debug, Default)]
pub struct MapsWritten {
    /// Maps written.
    pub written: Vec<MapWritten>,
    /// `CHANNEL/QUALITY` of streams without segments (no map).
    pub skipped: Vec<String>,
    /// `(CHANNEL/QUALITY, why)` of maps that could not be written.
    pub failed: Vec<(String, String)>,
}

/// Writes every stream's map into `dir` (created if missing), each atomically,
/// named by [`unique_map_names`]. The map covers the hours of `[from, to)` when
/// given (rounded out to whole hours), else the hours with data. A map that
/// cannot be drawn or written is reported in [`MapsWritten::failed`] and the
/// others are still written.
pub fn write_maps(
    analysis: &crate::analysis::Analysis,
    dir: &Path,
    from_us: Option<i64>,
    to_us: Option<i64>,
) -> Result<MapsWritten, MapsError> {
    std::fs::create_dir_all(dir).map_err(|reason| MapsError::CreateDir {
        path: dir.to_path_buf(),
        reason,
    })?;
    let names = unique_map_names(
        analysis
            .streams
            .iter()
            .map(|s| (s.channel.as_str(), s.quality.as_str())),
    );
    let mut out = MapsWritten::default();
    for (s, name) in analysis.streams.iter().zip(names) {
        let stream = format!("{}/{}", s.channel, s.quality);
        let Some((first, last)) = map_range(&s.coverage, from_us, to_us) else {
            out.skipped.push(stream);
            continue;
        };
        let path = dir.join(&name);
        let result = (|| -> Result<Vec<(i64, i64)>, String> {
            if name.len() > NAME_MAX {
                return Err(format!(
                    "file name {} is longer than {NAME_MAX} bytes",
                    crate::text::shown(&name)
                ));
            }
            let layout = MapLayout::plan(&s.coverage, first, last).map_err(|e| e.to_string())?;
            let bytes = encode_png(&render_map(&s.coverage, &layout)).map_err(|e| e.to_string())?;
            super::atomic::write_output(&path, &bytes).map_err(|e| e.to_string())?;
            Ok(layout.breaks().collect())
        })();
        match result {
            Ok(breaks) => out.written.push(MapWritten {
                stream,
                path,
                breaks,
            }),
            Err(why) => out.failed.push((stream, why)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::name::SegmentType;
    use crate::coverage::best::{HourSummary, Seg};
    use crate::coverage::timeline::analyse_stream;

    fn stream_at(hours: &[i64]) -> StreamCoverage {
        let summaries: Vec<HourSummary> = hours
            .iter()
            .map(|&h| {
                let start = h * HOUR_US;
                HourSummary::from_best(
                    start,
                    (0..1800)
                        .map(|i| Seg {
                            start_us: start + i * 2 * SECOND_US,
                            duration_us: 2 * SECOND_US,
                            kind: SegmentType::Full,
                        })
                        .collect(),
                )
            })
            .collect();
        analyse_stream(&summaries)
    }

    #[test]
    fn short_gaps_are_drawn_as_wubloader_does() {
        let cov = stream_at(&[0, 1, 5]);
        let layout = MapLayout::plan(&cov, 0, 6 * HOUR_US).unwrap();
        assert_eq!(layout.width, 36);
        assert_eq!(layout.breaks().count(), 0);
        let img = render_map(&cov, &layout);
        assert_eq!(img.get_pixel(0, 0).0, crate::coverage::raster::COVERED_RGBA);
        assert_eq!(
            img.get_pixel(2 * 6, 0).0,
            [255, 255, 255, 255],
            "02:00 is a hole"
        );
        assert_eq!(layout.time_at(6, 1), Some(Ok(HOUR_US + 2 * SECOND_US)));
    }

    #[test]
    fn long_empty_stretches_become_breaks() {
        let late = 24 * 365 * 50; // fifty years later
        let cov = stream_at(&[0, late]);
        let layout = MapLayout::plan(&cov, 0, (late + 1) * HOUR_US).unwrap();
        assert_eq!(layout.width, 6 + BREAK_COLUMNS + 6);
        assert_eq!(
            layout.breaks().collect::<Vec<_>>(),
            vec![(HOUR_US, late * HOUR_US)]
        );
        let img = render_map(&cov, &layout);
        assert_eq!(img.get_pixel(6, 10).0, BREAK_RGBA);
        assert_eq!(
            img.get_pixel(6 + BREAK_COLUMNS, 0).0,
            crate::coverage::raster::COVERED_RGBA
        );
        assert_eq!(layout.time_at(7, 0), Some(Err((HOUR_US, late * HOUR_US))));
        assert_eq!(layout.time_at(8, 0), Some(Ok(late * HOUR_US)));
        // A far-past --from: the empty years before the data are one break.
        let from = -24 * 365 * 2000 * HOUR_US;
        let layout = MapLayout::plan(&cov, from, HOUR_US).unwrap();
        assert_eq!(layout.width, BREAK_COLUMNS + 6);
    }

    #[test]
    fn too_many_hours_with_data_is_refused_with_the_span() {
        let hours: Vec<i64> = (0..11_000).collect();
        let cov = stream_at(&hours);
        let err = MapLayout::plan(&cov, 0, 11_000 * HOUR_US).unwrap_err();
        assert_eq!(err.hours, 11_000);
        assert!(err.to_string().contains("1970-01-01T00"), "{err}");
    }

    #[test]
    fn map_names_never_collide() {
        let names = unique_map_names([("a_b", "c"), ("a", "b_c"), ("x", "y"), ("a__b", "c")]);
        assert_eq!(
            names[2], "x_y_coverage.png",
            "unique names stay wubloader's"
        );
        assert_eq!(names[3], "a__b_c_coverage.png");
        let set: HashSet<&String> = names.iter().collect();
        assert_eq!(set.len(), 4, "{names:?}");
        assert_eq!(names[1], "a_b__c_coverage.png");
    }
}
