//! The demo archive: a deterministic, realistic wubloader-layout archive for trying
//! segscope, for tests and for benchmarks.
//!
//! Every stream has ~2 s full segments with realistic duration jitter, same-start
//! duplicates from a second downloader, suspect and partial segments, a
//! partial-only stretch, temp segments, holes from 5 ms to many minutes, a hole
//! across an hour boundary, small overlaps and a contained segment, bad names,
//! tombstones, dot files, and (with 4 hours or more) an empty hour directory and a
//! missing hour. Files are sparse: their sizes follow their durations but they use
//! no disk blocks. Hashes are random, not hashes of content. The archive is built
//! in a temporary sibling directory and renamed into place when complete.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::time::{HOUR_US, SECOND_US, hour_floor, parse_hour_name};

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Seed of the generator: the same options give the same archive.
    pub seed: u64,
    /// Hours of recording per stream.
    pub hours: u32,
    /// Channel names.
    pub channels: Vec<String>,
    /// Quality names.
    pub qualities: Vec<String>,
    /// First hour, µs since the epoch (hour-aligned).
    pub start_us: i64,
    /// When set and true, generation stops (a signal), removing what it wrote.
    pub stop: Option<&'static AtomicBool>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 1,
            hours: 6,
            channels: vec!["desertbus".into(), "bonus".into()],
            qualities: vec!["source".into(), "480p".into()],
            start_us: parse_hour_name("2024-11-09T00").unwrap_or(0),
            stop: None,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    /// Files written (segments, bad names, tombstones, dot files).
    pub files: u64,
    /// Sum of the apparent file sizes.
    pub apparent_bytes: u64,
}

/// Where the default demo archive lives: `$XDG_DATA_HOME/segscope/demo-archive`
/// (or `~/.local/share/...`; `./segscope-demo-archive` without a home).
pub fn default_demo_dir() -> PathBuf {
    data_dir().map_or_else(
        || PathBuf::from("segscope-demo-archive"),
        |d| d.join("demo-archive"),
    )
}

/// segscope's data directory (XDG on Linux).
pub fn data_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("segscope"))
}

/// A small, fast, deterministic generator (SplitMix64).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub(crate) fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }
    fn hash(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        (0..43)
            .map(|_| ALPHABET[self.below(64) as usize] as char)
            .collect()
    }
    fn uuid(&mut self) -> String {
        let a = self.next();
        let b = self.next();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
}

/// The most hours per stream a demo archive may have (a leap year).
pub const MAX_HOURS: u32 = 366 * 24;

/// Files a stream writes per hour, at most (about 1,800 segments, duplicates,
/// partials and extras).
const FILES_PER_HOUR: u64 = 2_000;

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Checks that a channel or quality name is one plain path component that the
/// archive walk will see: not empty, no `/` or NUL, not `.`/`..`, no leading dot.
pub fn check_component(what: &str, name: &str) -> io::Result<()> {
    let why = if name.is_empty() {
        Some("is empty")
    } else if name.contains('/') || name.contains('\0') {
        Some("must be a single directory name (no '/' or NUL)")
    } else if name.starts_with('.') {
        Some("must not start with '.' (such directories are hidden and never scanned)")
    } else {
        None
    };
    match why {
        Some(why) => Err(invalid(format!(
            "{what} name {} {why}",
            crate::text::shown(&format!("{name:?}"))
        ))),
        None => Ok(()),
    }
}

/// Refuses options that cannot be generated: bad names, too many hours, more
/// files than the file system has inodes or room for.
fn check_options(parent: &Path, opts: &DemoOptions) -> io::Result<()> {
    for c in &opts.channels {
        check_component("channel", c)?;
    }
    for q in &opts.qualities {
        check_component("quality", q)?;
    }
    if opts.channels.is_empty() || opts.qualities.is_empty() {
        return Err(invalid(
            "at least one channel and one quality are needed".into(),
        ));
    }
    if opts.hours == 0 || opts.hours > MAX_HOURS {
        return Err(invalid(format!(
            "--hours {} is out of range: 1 to {MAX_HOURS} (a year)",
            opts.hours
        )));
    }
    let streams = (opts.channels.len() * opts.qualities.len()) as u64;
    let files = streams * u64::from(opts.hours) * FILES_PER_HOUR;
    if let Some(room) = free_room(parent) {
        // Each file is an inode and a directory entry (about 128 bytes) on disk;
        // the files themselves are sparse.
        if room.inodes < files.saturating_mul(11) / 10 {
            return Err(invalid(format!(
                "the demo would need about {files} files but the file system of {} has {} free inodes; ask for fewer --hours or streams",
                parent.display(),
                room.inodes
            )));
        }
        if room.bytes < files.saturating_mul(256) {
            return Err(invalid(format!(
                "the demo would need about {} MB of directory space but {} has {} MB free; ask for fewer --hours or streams",
                files * 256 / 1_000_000,
                parent.display(),
                room.bytes / 1_000_000
            )));
        }
    }
    Ok(())
}

struct FreeRoom {
    inodes: u64,
    bytes: u64,
}

/// Free inodes and bytes for unprivileged users on the file system of `dir`.
fn free_room(dir: &Path) -> Option<FreeRoom> {
    let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid C string and `st` a valid out-pointer.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    // Some file systems (e.g. btrfs) report no inode limit as 0 files.
    let inodes = if st.f_files == 0 {
        u64::MAX
    } else {
        st.f_favail as u64
    };
    Some(FreeRoom {
        inodes,
        bytes: (st.f_bavail as u64).saturating_mul(st.f_frsize as u64),
    })
}

fn stopped(opts: &DemoOptions) -> io::Result<()> {
    match opts.stop {
        Some(flag) if flag.load(Ordering::Relaxed) => Err(io::Error::new(
            io::ErrorKind::Interrupted,
            "stopped by a signal",
        )),
        _ => Ok(()),
    }
}

/// Generates the demo archive at `dir`, which must not exist yet. It is built in a
/// staging directory beside `dir` that is removed if anything goes wrong or the
/// stop flag is raised.
pub fn generate(dir: &Path, opts: &DemoOptions) -> io::Result<DemoSummary> {
    if dir.exists() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} already exists; choose a new directory", dir.display()),
        ));
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    check_options(parent, opts)?;
    let staging = tempfile::Builder::new()
        .prefix(".segscope-demo-")
        .tempdir_in(parent)?;
    let streams: Vec<(usize, &String, &String)> = opts
        .channels
        .iter()
        .flat_map(|c| opts.qualities.iter().map(move |q| (c, q)))
        .enumerate()
        .map(|(i, (c, q))| (i, c, q))
        .collect();
    let summaries: Vec<io::Result<DemoSummary>> = streams
        .par_iter()
        .map(|&(index, channel, quality)| {
            let qdir = staging.path().join(channel).join(quality);
            fs::create_dir_all(&qdir)?;
            let mut w = StreamWriter::new(qdir, opts, index, quality);
            w.run()?;
            Ok(w.summary)
        })
        .collect();
    let mut total = DemoSummary::default();
    for s in summaries {
        let s = s?;
        total.files += s.files;
        total.apparent_bytes += s.apparent_bytes;
    }
    // Layout-level warnings a real archive can have: a stray file at the root and a
    // junk directory among hour directories.
    fs::write(
        staging.path().join("README.txt"),
        b"segscope demo archive\n",
    )?;
    total.files += 1;
    if let (Some(c), Some(q)) = (opts.channels.first(), opts.qualities.first()) {
        fs::create_dir_all(staging.path().join(c).join(q).join("junk"))?;
        fs::create_dir_all(staging.path().join(".trash"))?;
    }
    stopped(opts)?;
    let staged = staging.keep();
    fs::rename(&staged, dir)?;
    Ok(total)
}

/// Bytes per second of video for a quality name (sizes follow durations).
fn bytes_per_second(quality: &str) -> u64 {
    match quality {
        "source" => 750_000,
        "1080p" | "1080p60" => 600_000,
        "720p" | "720p60" => 375_000,
        "480p" => 190_000,
        "360p" => 120_000,
        _ => 250_000,
    }
}

enum Incident {
    Gap(i64),
    Rewind(i64),
    Contained,
    PartialStretch(u32),
    BadNames,
    Tombstone,
    DotFiles,
}

struct StreamWriter<'a> {
    dir: PathBuf,
    opts: &'a DemoOptions,
    rate: u64,
    rng: Rng,
    made_dirs: HashSet<i64>,
    summary: DemoSummary,
    missing_hour: Option<i64>,
    empty_hour: Option<i64>,
}

impl<'a> StreamWriter<'a> {
    fn new(dir: PathBuf, opts: &'a DemoOptions, index: usize, quality: &str) -> Self {
        let start = hour_floor(opts.start_us);
        let special = (opts.hours >= 4).then(|| start + 2 * HOUR_US);
        StreamWriter {
            dir,
            opts,
            rate: bytes_per_second(quality),
            rng: Rng(opts.seed ^ (index as u64 + 1).wrapping_mul(0xA076_1D64_78BD_642F)),
            made_dirs: HashSet::new(),
            summary: DemoSummary::default(),
            missing_hour: special.filter(|_| index == 0),
            empty_hour: special.filter(|_| index == 1),
        }
    }

    fn hour_dir(&mut self, hour_us: i64) -> io::Result<PathBuf> {
        let path = self.dir.join(crate::time::format_hour(hour_us));
        if self.made_dirs.insert(hour_us) {
            fs::create_dir_all(&path)?;
        }
        Ok(path)
    }

    fn touch(&mut self, path: &Path, size: u64) -> io::Result<()> {
        stopped(self.opts)?;
        let f = fs::File::create_new(path)?;
        if size > 0 {
            f.set_len(size)?;
        }
        self.summary.files += 1;
        self.summary.apparent_bytes += size;
        Ok(())
    }

    fn name(start_us: i64, duration_us: i64, kind: &str, hash: &str) -> String {
        let off = start_us - hour_floor(start_us);
        let (m, s, f) = (off / 60_000_000, off / 1_000_000 % 60, off % 1_000_000);
        let whole = duration_us / 1_000_000;
        let frac = format!("{:06}", duration_us % 1_000_000);
        let frac = frac.trim_end_matches('0');
        let frac = if frac.is_empty() { "0" } else { frac };
        format!("{m:02}:{s:02}.{f:06}-{whole}.{frac}-{kind}-{hash}.ts")
    }

    /// Writes one segment file unless its hour is missing or kept empty.
    fn segment(
        &mut self,
        start_us: i64,
        duration_us: i64,
        kind: &str,
        size_scale: u64,
    ) -> io::Result<Option<PathBuf>> {
        let hour = hour_floor(start_us);
        if Some(hour) == self.missing_hour || Some(hour) == self.empty_hour {
            if Some(hour) == self.empty_hour {
                self.hour_dir(hour)?;
            }
            return Ok(None);
        }
        let dir = self.hour_dir(hour)?;
        let hash = if kind == "temp" {
            self.rng.uuid()
        } else {
            self.rng.hash()
        };
        let path = dir.join(Self::name(start_us, duration_us, kind, &hash));
        let size = (duration_us as u64 * self.rate / 1_000_000) * size_scale / 100;
        self.touch(&path, size)?;
        Ok(Some(path))
    }

    fn incidents(&mut self) -> Vec<(i64, Incident)> {
        let start = hour_floor(self.opts.start_us);
        let span = i64::from(self.opts.hours) * HOUR_US;
        let jitter = (self.rng.below(240) as i64 - 120) * SECOND_US;
        let at = |f: f64| start + (span as f64 * f) as i64 + jitter;
        let mut list = vec![
            (start + 30 * SECOND_US, Incident::DotFiles),
            (at(0.05), Incident::Gap(5_000)),
            (at(0.07), Incident::Gap(15_000)),
            (at(0.09), Incident::Rewind(5_000)),
            (at(0.12), Incident::Gap(2_500_000)),
            (at(0.16), Incident::Rewind(300_000)),
            (at(0.22), Incident::Contained),
            (at(0.28), Incident::Gap(45 * SECOND_US)),
            (at(0.33), Incident::PartialStretch(20)),
            (at(0.45), Incident::BadNames),
            (at(0.5), Incident::Tombstone),
            (at(0.62), Incident::Gap(12 * 60 * SECOND_US)),
            (at(0.8), Incident::Gap(3_000)),
        ];
        // A hole across an hour boundary: from 10 s before to 40 s after it.
        if self.opts.hours >= 2 {
            let boundary = start + HOUR_US * i64::from(self.opts.hours.div_ceil(2).max(1));
            let boundary =
                if Some(boundary) == self.missing_hour || Some(boundary) == self.empty_hour {
                    boundary + HOUR_US
                } else {
                    boundary
                };
            if boundary < start + span {
                list.push((boundary - 10 * SECOND_US, Incident::Gap(50 * SECOND_US)));
            }
        }
        list.sort_by_key(|(t, _)| *t);
        list
    }

    fn duration(&mut self) -> i64 {
        const DURATIONS: [i64; 8] = [
            2_000_000, 2_000_000, 2_000_000, 2_000_000, 1_968_000, 2_002_000, 2_035_000, 1_999_667,
        ];
        DURATIONS[self.rng.below(DURATIONS.len() as u64) as usize]
    }

    fn run(&mut self) -> io::Result<()> {
        let start = hour_floor(self.opts.start_us);
        let end = start + i64::from(self.opts.hours) * HOUR_US;
        let mut incidents = self.incidents().into_iter().peekable();
        let mut t = start + self.rng.below(2_000_000) as i64;
        let mut partial_left = 0u32;
        let mut prev: Option<(i64, i64)> = None;
        while t < end {
            while let Some((_, incident)) = incidents.next_if(|(at, _)| *at <= t) {
                match incident {
                    Incident::Gap(g) => t += g,
                    Incident::Rewind(r) => t -= r,
                    Incident::PartialStretch(n) => partial_left = n,
                    Incident::Contained => {
                        if let Some((ps, pd)) = prev {
                            self.segment(ps + pd / 4, pd / 4, "full", 100)?;
                        }
                    }
                    Incident::BadNames => self.bad_names(t)?,
                    Incident::Tombstone => {
                        let d = self.duration();
                        if let Some(path) = self.segment(t, d - 1_000, "full", 100)? {
                            let tomb = path.with_extension("tombstone");
                            self.touch(&tomb, 0)?;
                        }
                    }
                    Incident::DotFiles => {
                        let dir = self.hour_dir(hour_floor(t))?;
                        self.touch(&dir.join(".segment-cache"), 64)?;
                        self.touch(
                            &dir.join(format!("{}.json", crate::time::format_hour(hour_floor(t)))),
                            512,
                        )?;
                    }
                }
            }
            if t >= end {
                break;
            }
            let d = self.duration();
            let last = t + d >= end;
            if last {
                // The newest segment is still being written.
                self.segment(t, d, "temp", 40)?;
                self.segment(t, d / 3, "partial", 33)?;
            } else if partial_left > 0 {
                partial_left -= 1;
                self.segment(t, d - 300_000, "partial", 80)?;
                if partial_left % 7 == 3 {
                    self.segment(t, d - 900_000, "partial", 50)?;
                }
            } else {
                let kind = if self.rng.chance(3) {
                    "suspect"
                } else {
                    "full"
                };
                self.segment(t, d, kind, 100)?;
                if self.rng.chance(50) {
                    let delta = (self.rng.below(20) as i64 + 1) * 1_000;
                    self.segment(t, d - delta, "full", 99)?;
                }
                if self.rng.chance(4) {
                    self.segment(t, d / 2, "partial", 50)?;
                }
                if self.rng.chance(2) {
                    self.segment(t, d, "temp", 30)?;
                }
            }
            prev = Some((t, d));
            t += d;
        }
        Ok(())
    }

    fn bad_names(&mut self, t: i64) -> io::Result<()> {
        if Some(hour_floor(t)) == self.missing_hour || Some(hour_floor(t)) == self.empty_hour {
            return Ok(());
        }
        let dir = self.hour_dir(hour_floor(t))?;
        let hash = self.rng.hash();
        for name in [
            format!("61:00.000000-2.0-full-{hash}.ts"),
            format!("12:00.000000-nan-full-{hash}.ts"),
            format!("12:02.000000-2.0-finished-{hash}.ts"),
            "segment-0042.ts".to_string(),
            format!("12:04.000000-2.0-full-{}!.ts", &hash[..10]),
        ] {
            self.touch(&dir.join(name), 1_000)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        let n = StreamWriter::name(HOUR_US + 62_250_000, 1_968_000, "full", "AAAA");
        assert_eq!(n, "01:02.250000-1.968-full-AAAA.ts");
        let p = crate::archive::name::parse_segment_name(&n).unwrap();
        assert_eq!(p.offset_us, 62_250_000);
        assert_eq!(p.duration_us, 1_968_000);
        assert_eq!(
            StreamWriter::name(0, 2_000_000, "full", "A"),
            "00:00.000000-2.0-full-A.ts"
        );
    }

    #[test]
    fn uuids_look_like_uuid4() {
        let u = Rng(7).uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
