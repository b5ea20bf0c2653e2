//! A progress bar on stderr, drawn only when stderr is a terminal, at most 10 times a second.

use std::io::IsTerminal as _;
use std::time::{Duration, Instant};

/// A one-line progress bar with counts and an ETA.
pub struct ProgressBar {
    enabled: bool,
    start: Instant,
    last: Option<Instant>,
    drawn: bool,
}

impl ProgressBar {
    /// A bar that draws when `wanted` and stderr is a terminal.
    pub fn new(wanted: bool) -> Self {
        ProgressBar {
            enabled: wanted && std::io::stderr().is_terminal(),
            start: Instant::now(),
            last: None,
            drawn: false,
        }
    }

    /// Shows `done` of `total` units and a phrase.
    pub fn update(&mut self, done: i64, total: i64, unit: &str, phrase: &str) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if done < total
            && self
                .last
                .is_some_and(|l| now - l < Duration::from_millis(100))
        {
            return;
        }
        self.last = Some(now);
        let frac = if total > 0 {
            done as f64 / total as f64
        } else {
            0.0
        };
        let elapsed = self.start.elapsed().as_secs_f64();
        let eta = if frac > 0.0 {
            elapsed / frac - elapsed
        } else {
            0.0
        };
        let filled = ((frac * 30.0) as usize).min(30);
        eprint!(
            "\r[{}{}] {done}/{total} {unit}, {phrase}, ETA {eta:.0} s   ",
            "#".repeat(filled),
            " ".repeat(30 - filled)
        );
        self.drawn = true;
    }

    /// Ends the line if anything was drawn.
    pub fn finish(&mut self) {
        if self.drawn {
            eprintln!();
            self.drawn = false;
        }
    }
}
