//! The ensemble's verdict on the last point of a series (specs/anomaly.md,
//! "Verdict and outputs"): the pre-checks in their order, then every enabled
//! algorithm's vote, anomalous when at least CONSENSUS of them say so.

use std::time::{Duration, Instant};

use super::Settings;
use super::algorithms::{self, Vote, Window};
use super::series::Series;

/// The nine algorithms, by their Skyline names.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// `median_absolute_deviation`.
    MedianAbsoluteDeviation,
    /// `grubbs`.
    Grubbs,
    /// `first_hour_average`.
    FirstHourAverage,
    /// `stddev_from_average`.
    StddevFromAverage,
    /// `stddev_from_moving_average`.
    StddevFromMovingAverage,
    /// `mean_subtraction_cumulation`.
    MeanSubtractionCumulation,
    /// `least_squares`.
    LeastSquares,
    /// `histogram_bins`.
    HistogramBins,
    /// `ks_test`.
    KsTest,
}

impl Algorithm {
    /// All nine, in the spec's order.
    pub const ALL: [Algorithm; 9] = [
        Algorithm::MedianAbsoluteDeviation,
        Algorithm::Grubbs,
        Algorithm::FirstHourAverage,
        Algorithm::StddevFromAverage,
        Algorithm::StddevFromMovingAverage,
        Algorithm::MeanSubtractionCumulation,
        Algorithm::LeastSquares,
        Algorithm::HistogramBins,
        Algorithm::KsTest,
    ];

    /// Its Skyline name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::MedianAbsoluteDeviation => "median_absolute_deviation",
            Algorithm::Grubbs => "grubbs",
            Algorithm::FirstHourAverage => "first_hour_average",
            Algorithm::StddevFromAverage => "stddev_from_average",
            Algorithm::StddevFromMovingAverage => "stddev_from_moving_average",
            Algorithm::MeanSubtractionCumulation => "mean_subtraction_cumulation",
            Algorithm::LeastSquares => "least_squares",
            Algorithm::HistogramBins => "histogram_bins",
            Algorithm::KsTest => "ks_test",
        }
    }

    /// The algorithm named `name`.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.name() == name)
    }

    /// Its vote on the last point of `w`.
    pub fn run(self, w: Window<'_>, settings: &Settings, now_s: f64) -> Vote {
        match self {
            Algorithm::MedianAbsoluteDeviation => algorithms::median_absolute_deviation(w),
            Algorithm::Grubbs => algorithms::grubbs(w),
            Algorithm::FirstHourAverage => algorithms::first_hour_average(w, settings),
            Algorithm::StddevFromAverage => algorithms::stddev_from_average(w),
            Algorithm::StddevFromMovingAverage => algorithms::stddev_from_moving_average(w),
            Algorithm::MeanSubtractionCumulation => algorithms::mean_subtraction_cumulation(w),
            Algorithm::LeastSquares => algorithms::least_squares(w),
            Algorithm::HistogramBins => algorithms::histogram_bins(w),
            Algorithm::KsTest => algorithms::ks_test(w, now_s),
        }
    }
}

/// What the ensemble decided about a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// At least CONSENSUS votes.
    Anomalous,
    /// Judged, fewer votes.
    Normal,
    /// No points.
    EmptySeries,
    /// Fewer than MIN_TOLERABLE_LENGTH points.
    TooShort,
    /// The last point is older than STALE_PERIOD before `now`.
    Stale,
    /// The last MAX_TOLERABLE_BOREDOM values take BOREDOM_SET_SIZE values.
    Boring,
}

impl Outcome {
    /// Every outcome, the verdicts first, then the pre-checks in their order.
    pub const ALL: [Outcome; 6] = [
        Outcome::Anomalous,
        Outcome::Normal,
        Outcome::EmptySeries,
        Outcome::TooShort,
        Outcome::Stale,
        Outcome::Boring,
    ];

    /// Its name in reports (`anomalous`, `normal`, `EmptySeries`, …).
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Anomalous => "anomalous",
            Outcome::Normal => "normal",
            Outcome::EmptySeries => "EmptySeries",
            Outcome::TooShort => "TooShort",
            Outcome::Stale => "Stale",
            Outcome::Boring => "Boring",
        }
    }
}

/// The verdict on one series.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// The outcome.
    pub outcome: Outcome,
    /// The last value (`None` for an empty series).
    pub datapoint: Option<f64>,
    /// Each enabled algorithm's vote (empty when a pre-check decided).
    pub votes: Vec<(Algorithm, Vote)>,
    /// How long each algorithm took.
    pub times: Vec<(Algorithm, Duration)>,
}

impl Judgement {
    /// How many algorithms voted anomalous.
    pub fn vote_count(&self) -> usize {
        self.votes.iter().filter(|(_, v)| v.vote).count()
    }
}

/// True when the last `settings.max_tolerable_boredom` values take exactly
/// `settings.boredom_set_size` distinct values (0.0 and -0.0 are one value).
fn is_boring(values: &[f64], settings: &Settings) -> bool {
    let tail = &values[values.len().saturating_sub(settings.max_tolerable_boredom)..];
    let mut sorted: Vec<f64> = tail.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    sorted.dedup_by(|a, b| a == b);
    sorted.len() == settings.boredom_set_size
}

/// Judges the last point of `series` at time `now_s` with the `enabled`
/// algorithms.
pub fn judge(series: &Series, settings: &Settings, enabled: &[Algorithm], now_s: f64) -> Judgement {
    let values = series.values();
    let datapoint = values.last().copied();
    let decided = |outcome| Judgement {
        outcome,
        datapoint,
        votes: Vec::new(),
        times: Vec::new(),
    };
    let n = values.len();
    if n == 0 {
        return decided(Outcome::EmptySeries);
    }
    if n < settings.min_tolerable_length {
        return decided(Outcome::TooShort);
    }
    let times = series.times_s();
    if now_s - times[n - 1] > settings.stale_period_s {
        return decided(Outcome::Stale);
    }
    if is_boring(&values, settings) {
        return decided(Outcome::Boring);
    }
    let w = Window {
        t: &times,
        v: &values,
    };
    let mut votes = Vec::with_capacity(enabled.len());
    let mut spent = Vec::with_capacity(enabled.len());
    for &a in enabled {
        let start = Instant::now();
        votes.push((a, a.run(w, settings, now_s)));
        spent.push((a, start.elapsed()));
    }
    let count = votes.iter().filter(|(_, v)| v.vote).count();
    Judgement {
        outcome: if count >= settings.consensus {
            Outcome::Anomalous
        } else {
            Outcome::Normal
        },
        datapoint,
        votes,
        times: spent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000_000;

    fn series(values: &[f64]) -> Series {
        Series::new(
            "s",
            values
                .iter()
                .enumerate()
                .map(|(i, &v)| (i as i64 * MIN, Some(v))),
        )
    }

    fn quiet(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| 10.0 + ((i * 37) % 11) as f64 / 10.0)
            .collect()
    }

    #[test]
    fn pre_checks_in_their_order_then_the_vote() {
        let s = Settings::default();
        let all = Algorithm::ALL;
        let last = |v: &[f64]| (v.len() - 1) as f64 * 60.0;
        assert_eq!(
            judge(&series(&[]), &s, &all, 0.0).outcome,
            Outcome::EmptySeries
        );
        let short = quiet(99);
        assert_eq!(
            judge(&series(&short), &s, &all, last(&short)).outcome,
            Outcome::TooShort
        );
        let q = quiet(200);
        let stale = judge(&series(&q), &s, &all, last(&q) + 500.5);
        assert_eq!(stale.outcome, Outcome::Stale, "strictly older than 500 s");
        assert_eq!(
            judge(&series(&q), &s, &all, last(&q) + 500.0).outcome,
            Outcome::Normal
        );
        let mut flat = q.clone();
        for x in flat.iter_mut().skip(100) {
            *x = 0.0;
        }
        flat[150] = -0.0;
        assert_eq!(
            judge(&series(&flat), &s, &all, last(&flat)).outcome,
            Outcome::Boring
        );

        let mut spike = q.clone();
        spike.extend([30.0, 31.0, 32.0]);
        let j = judge(&series(&spike), &s, &all, last(&spike));
        assert_eq!(j.outcome, Outcome::Anomalous, "{:?}", j.votes);
        assert_eq!(j.votes.len(), 9);
        assert_eq!(j.datapoint, Some(32.0));
        // With only two algorithms enabled six votes cannot be reached.
        let two = [Algorithm::Grubbs, Algorithm::HistogramBins];
        let j = judge(&series(&spike), &s, &two, last(&spike));
        assert_eq!((j.outcome, j.vote_count()), (Outcome::Normal, 2));
        assert_eq!(Algorithm::from_name("ks_test"), Some(Algorithm::KsTest));
    }
}
