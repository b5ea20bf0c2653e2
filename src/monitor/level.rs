//! Alert levels, ordered: None < Green < Orange < Red < Critical.

use std::fmt;

/// An alert level (the number is libgs's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    /// No alert (not judged, or a grouping without points).
    #[default]
    None = 0,
    /// Fine.
    Green = 10,
    /// Look at it.
    Orange = 20,
    /// Wrong.
    Red = 30,
    /// Wrong now and getting worse (a recording that stopped).
    Critical = 100,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 5] = [
        Level::None,
        Level::Green,
        Level::Orange,
        Level::Red,
        Level::Critical,
    ];

    /// Its name: `none`, `green`, `orange`, `red`, `critical`.
    pub fn name(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Green => "green",
            Level::Orange => "orange",
            Level::Red => "red",
            Level::Critical => "critical",
        }
    }

    /// The level named `name` (as [`Level::name`] writes it).
    pub fn from_name(name: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.name() == name)
    }

    /// Its number (0, 10, 20, 30, 100), for metrics.
    pub fn number(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_and_named() {
        assert!(Level::None < Level::Green && Level::Red < Level::Critical);
        assert_eq!(Level::ALL.iter().max(), Some(&Level::Critical));
        for l in Level::ALL {
            assert_eq!(Level::from_name(l.name()), Some(l));
        }
        assert_eq!(Level::Orange.number(), 20);
    }
}
