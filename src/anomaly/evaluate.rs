//! Judging a detector on labelled series other than NAB's: the labelled
//! series files (one point label per row), NAB-style windows made from the
//! labels, per-series average precision, and the rolling z-score every
//! detector is compared with.

use std::path::Path;

use super::series::Series;

/// A series with a label per point (true: the point is anomalous).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LabelledSeries {
    /// The series, one point per row of its file.
    pub series: Series,
    /// The label of each point, in the series' order.
    pub labels: Vec<bool>,
}

/// Where one minute-step is assumed to start: rows numbered 0, 1, 2, ... are
/// read as one-minute points from this Unix time (2020-09-13T12:26:40Z).
pub const ROW_TIME_ORIGIN_S: i64 = 1_600_000_000;

/// Reads a labelled CSV: a header, then `time,value,...,label` rows, the
/// label column named `is_anomaly` or `label` (0 or 1) and the value the
/// first column after the time. A time that is a row number (GutenTAG's
/// `timestamp` column, 0, 1, 2, ...) is read as minutes from
/// [`ROW_TIME_ORIGIN_S`]; Unix seconds and ISO 8601 times are read as
/// times. Errors name the file and line.
pub fn read_labelled_csv(path: &Path) -> anyhow::Result<LabelledSeries> {
    let text =
        std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let at = |line: usize, what: &str| anyhow::anyhow!("{}:{line}: {what}", path.display());
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().ok_or_else(|| at(1, "empty file"))?;
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let label = columns
        .iter()
        .rposition(|c| c.eq_ignore_ascii_case("is_anomaly") || c.eq_ignore_ascii_case("label"))
        .ok_or_else(|| at(1, "no `is_anomaly` or `label` column"))?;
    if columns.len() < 3 || label < 2 {
        return Err(at(1, "expected time, value and label columns"));
    }
    let mut raw = Vec::new();
    let mut labels = Vec::new();
    for (k, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != columns.len() {
            return Err(at(k + 1, "wrong number of fields"));
        }
        let t = match fields[0].parse::<i64>() {
            Ok(row) if row < 1_000_000_000 => (ROW_TIME_ORIGIN_S + 60 * row) * 1_000_000,
            _ => crate::time::parse_user_time(fields[0])
                .map_err(|_| at(k + 1, &format!("bad time `{}`", fields[0])))?,
        };
        let v: f64 = fields[1]
            .parse()
            .map_err(|_| at(k + 1, &format!("bad value `{}`", fields[1])))?;
        let l = match fields[label] {
            "0" | "0.0" => false,
            "1" | "1.0" => true,
            other => return Err(at(k + 1, &format!("bad label `{other}`"))),
        };
        if !v.is_finite() {
            return Err(at(k + 1, "value is not a finite number"));
        }
        raw.push((t, Some(v)));
        labels.push(l);
    }
    let name = path.display().to_string();
    let series = Series::new(name, raw);
    if series.points.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(anyhow::anyhow!(
            "{}: times must rise row by row",
            path.display()
        ));
    }
    Ok(LabelledSeries { series, labels })
}

/// NAB's windows around labelled points: each run of labelled points is
/// widened on both sides to at least a tenth of the series' length divided
/// by the number of runs (NAB's window size), clipped to the series, and
/// windows that then touch are merged. As (first row, last row).
pub fn nab_windows(labels: &[bool]) -> Vec<(usize, usize)> {
    let n = labels.len();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, _) in labels.iter().enumerate().filter(|(_, l)| **l) {
        match runs.last_mut() {
            Some(r) if r.1 + 1 == i => r.1 = i,
            _ => runs.push((i, i)),
        }
    }
    if runs.is_empty() {
        return runs;
    }
    let size = (n as f64 * 0.1 / runs.len() as f64).floor() as usize;
    let mut windows: Vec<(usize, usize)> = Vec::new();
    for (a, b) in runs {
        let widen = size.saturating_sub(b - a + 1) / 2;
        let (a, b) = (a.saturating_sub(widen), (b + widen).min(n - 1));
        match windows.last_mut() {
            Some(w) if a <= w.1 + 1 => w.1 = w.1.max(b),
            _ => windows.push((a, b)),
        }
    }
    windows
}

/// Average precision of `scores` ranking the `labels`' positive points:
/// the mean, over the positives, of the precision among the points scored
/// at least as high (points of equal score are taken together, as
/// scikit-learn's `average_precision_score` does). `None` without a
/// positive label.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let positives = labels.iter().filter(|&&l| l).count();
    if positives == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len().min(labels.len())).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut seen, mut hits, mut ap, mut recall) = (0usize, 0usize, 0.0, 0.0);
    let mut i = 0;
    while i < order.len() {
        let s = scores[order[i]];
        while i < order.len() && scores[order[i]] == s {
            seen += 1;
            hits += usize::from(labels[order[i]]);
            i += 1;
        }
        let r = hits as f64 / positives as f64;
        ap += (r - recall) * hits as f64 / seen as f64;
        recall = r;
    }
    Some(ap)
}

/// The baseline detector: each point's distance from the mean of the
/// previous `n` points in their sample standard deviations, |z|, mapped into
/// [0, 1) as `1 - exp(-|z| / 4)` (0 before two points, and when they are all
/// one value and the point equals it; 1 when they are one value and the
/// point differs).
pub fn rolling_zscore(values: &[f64], n: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(values.len());
    let (mut s, mut ss) = (0.0f64, 0.0f64);
    // Taken around the first value, so large levels do not cost precision.
    let c = values.first().copied().unwrap_or(0.0);
    for (i, &x) in values.iter().enumerate() {
        let k = i.min(n) as f64;
        let score = if k >= 2.0 {
            let mean = s / k;
            let var = ((ss - s * s / k) / (k - 1.0)).max(0.0);
            let d = (x - c - mean).abs();
            if var > 0.0 {
                1.0 - (-(d / var.sqrt()) / 4.0).exp()
            } else if d > 0.0 {
                1.0
            } else {
                0.0
            }
        } else {
            0.0
        };
        out.push(score);
        s += x - c;
        ss += (x - c) * (x - c);
        if i >= n {
            let old = values[i - n] - c;
            s -= old;
            ss -= old * old;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_precision_is_scikit_learns() {
        // sklearn.metrics.average_precision_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.8333
        let ap = average_precision(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]).unwrap();
        assert!((ap - 0.833_333_333).abs() < 1e-6, "{ap}");
        // Ties are taken together: ([1,0,1,0], [0.5]*4) = 0.5.
        let ap = average_precision(&[0.5; 4], &[true, false, true, false]).unwrap();
        assert!((ap - 0.5).abs() < 1e-12, "{ap}");
        assert_eq!(average_precision(&[0.3, 0.2], &[false, false]), None);
        let perfect = average_precision(&[0.9, 0.1, 0.8], &[true, false, true]).unwrap();
        assert_eq!(perfect, 1.0);
    }

    #[test]
    fn windows_are_nabs_size_and_merge() {
        let mut labels = vec![false; 1000];
        labels[500] = true;
        // One anomaly: a window of 100 points centred on it.
        assert_eq!(nab_windows(&labels), vec![(451, 549)]);
        labels[100..120].iter_mut().for_each(|l| *l = true);
        // Two runs: 50 points each, the run of 20 widened by 15 a side.
        assert_eq!(nab_windows(&labels), vec![(85, 134), (476, 524)]);
        labels[130] = true;
        // Three runs of 33-point windows: the first two touch and merge.
        assert_eq!(nab_windows(&labels), vec![(94, 146), (484, 516)]);
        labels[995] = true;
        assert_eq!(nab_windows(&labels).last(), Some(&(983, 999)));
        assert!(nab_windows(&[false; 1000]).is_empty());
    }

    #[test]
    fn the_rolling_zscore_looks_only_back() {
        let mut v: Vec<f64> = (0..3000).map(|i| 100.0 + (i % 7) as f64).collect();
        v[2000] = 200.0;
        let z = rolling_zscore(&v, 1440);
        assert_eq!(z[0], 0.0);
        assert!(z[2000] > 0.99, "{}", z[2000]);
        assert!(z[1999] < 0.5 && z[1500] < 0.5);
        // The same from scratch at one point: mean and sample std of the 1440 before it.
        let before = &v[2001 - 1440..2001];
        let mean = before.iter().sum::<f64>() / 1440.0;
        let sd = (before.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 1439.0).sqrt();
        let expect = 1.0 - (-((v[2001] - mean).abs() / sd) / 4.0).exp();
        assert!((z[2001] - expect).abs() < 1e-9, "{} {expect}", z[2001]);
        assert_eq!(
            rolling_zscore(&[5.0, 5.0, 5.0, 6.0], 10),
            vec![0.0, 0.0, 0.0, 1.0]
        );
    }

    #[test]
    fn labelled_files_are_read_and_bad_rows_located() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("test.csv");
        std::fs::write(
            &good,
            "timestamp,value-0,is_anomaly\n0,1.5,0\n1,2.5,1\n2,3,0\n",
        )
        .unwrap();
        let l = read_labelled_csv(&good).unwrap();
        assert_eq!(l.labels, vec![false, true, false]);
        assert_eq!(
            l.series.points[1],
            ((ROW_TIME_ORIGIN_S + 60) * 1_000_000, 2.5)
        );
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "timestamp,value-0,is_anomaly\n0,1.5,0\n1,x,1\n").unwrap();
        let e = read_labelled_csv(&bad).unwrap_err().to_string();
        assert!(e.contains("bad.csv:3") && e.contains("bad value"), "{e}");
        std::fs::write(&bad, "timestamp,value\n0,1\n").unwrap();
        let e = read_labelled_csv(&bad).unwrap_err().to_string();
        assert!(e.contains(":1:") && e.contains("is_anomaly"), "{e}");
    }
}
