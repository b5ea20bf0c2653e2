//! An anomaly run in the monitor tree: a point per series
//! (`anomalies/SERIES`, a series name's `/` making levels of its own) with
//! its verdict and the algorithms that fired, judged by the alert rules: the
//! last point anomalous (`monitor.anomalous_series`, Red), or with a scan,
//! anomalous points before a normal last one (`monitor.flagged_series`,
//! Orange); a series too short, stale or boring to judge has no alert.

use super::rules::AlertRules;
use super::{Level, Reading};
use crate::anomaly::ensemble::Outcome;
use crate::anomaly::run::AnomalyRun;

/// The group the series of a run are under.
pub const GROUP: &str = "anomalies";

/// Every series of `run` as (path, reading), with its index in the run.
pub fn series_readings(run: &AnomalyRun, rules: &AlertRules) -> Vec<(String, Reading, usize)> {
    let consensus = run.settings.consensus;
    let enabled = run.enabled.len();
    run.series
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let j = &s.judgement;
            let fired: Vec<&str> = j
                .votes
                .iter()
                .filter(|(_, v)| v.vote)
                .map(|(a, _)| a.name())
                .collect();
            let flagged = s.flagged(consensus);
            let mut value = match j.outcome {
                Outcome::Anomalous | Outcome::Normal => format!(
                    "{}: {} of {enabled} votes{}",
                    j.outcome.name(),
                    fired.len(),
                    if fired.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", fired.join(", "))
                    }
                ),
                other => format!("not judged: {}", other.name()),
            };
            if s.scanned.is_some() {
                value.push_str(&format!("; {flagged} points flagged"));
            }
            let alert = match j.outcome {
                Outcome::Anomalous => rules.anomalous_series,
                _ if flagged > 0 => rules.flagged_series,
                Outcome::Normal => Level::Green,
                _ => Level::None,
            };
            (format!("{GROUP}/{}", s.name), Reading::new(value, alert), i)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anomaly::run::{RunOptions, run};

    #[test]
    fn series_are_judged_by_their_verdict_and_the_rules() {
        let dir = tempfile::tempdir().unwrap();
        // A steady series with a spike at the end, a flat one and a short one.
        let mut spike = String::from("timestamp,value\n");
        let mut flat = String::from("timestamp,value\n");
        for k in 0..2000i64 {
            let t = 1_600_000_000 + k * 60;
            let v = if k == 1999 {
                500.0
            } else {
                10.0 + (k % 7) as f64
            };
            spike.push_str(&format!("{t},{v}\n"));
            flat.push_str(&format!("{t},3\n"));
        }
        std::fs::write(dir.path().join("spike.csv"), spike).unwrap();
        std::fs::write(dir.path().join("flat.csv"), flat).unwrap();
        std::fs::write(
            dir.path().join("short.csv"),
            "timestamp,value\n1600000000,1\n",
        )
        .unwrap();
        let config = crate::anomaly::config::AnomalyConfig::default();
        let options = RunOptions {
            now_us: None,
            settings: config.settings,
            enabled: config.enabled,
            scan: None,
        };
        let inputs: Vec<_> = ["spike.csv", "flat.csv", "short.csv"]
            .iter()
            .map(|f| dir.path().join(f))
            .collect();
        let (series, errors, took) =
            crate::jobs::inputs::read_inputs(&inputs, None, false).unwrap();
        let r = run(series, errors, took, &options, &|| false)
            .unwrap()
            .unwrap();
        let rows = series_readings(&r, &AlertRules::default());
        let get = |name: &str| {
            rows.iter()
                .find(|r| r.0 == format!("anomalies/{name}"))
                .unwrap()
        };
        let spike = get("spike");
        assert_eq!(spike.1.alert, Level::Red, "{spike:?}");
        assert!(spike.1.value.starts_with("anomalous: "), "{spike:?}");
        assert!(
            spike.1.value.contains("grubbs"),
            "the algorithms that fired: {spike:?}"
        );
        assert_eq!(get("short").1.alert, Level::None);
        assert!(get("short").1.value.contains("TooShort"));
        assert_ne!(get("flat").1.alert, Level::Red);
        let lenient = AlertRules {
            anomalous_series: Level::Orange,
            ..AlertRules::default()
        };
        assert_eq!(series_readings(&r, &lenient)[0].1.alert, Level::Orange);
        assert_eq!(rows[0].2, 0);
    }
}
