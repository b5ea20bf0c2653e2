//! ks_test's two windows as scan mode moves along a series: the reference
//! (the 50 minutes before the last 10) and the probe (the last 10 minutes),
//! each kept sorted as points enter and leave, and the ADF regression of the
//! reference kept as cross products ([`super::adf_sums`]). A vote then costs
//! a merge of the two sorted windows, and the ADF test a small solve, instead
//! of sorting both windows and reducing the regression at every point.

use super::adf_sums::AdfSums;
use super::algorithms::{Vote, ks_vote_sorted};

/// The reference `[ra, rb)` and probe `[rb, end)` of one series, sorted.
#[derive(Debug, Clone, Default)]
pub struct KsWindows {
    ra: usize,
    rb: usize,
    end: usize,
    reference: Vec<f64>,
    probe: Vec<f64>,
    adf: AdfSums,
}

fn insert(sorted: &mut Vec<f64>, x: f64) {
    let at = sorted.partition_point(|&y| y < x);
    sorted.insert(at, x);
}

fn remove(sorted: &mut Vec<f64>, x: f64) {
    let at = sorted.partition_point(|&y| y < x);
    if sorted.get(at) == Some(&x) {
        sorted.remove(at);
    }
}

impl KsWindows {
    /// Moves the windows to reference `v[ra..rb)` and probe `v[rb..end)`;
    /// every bound at least where it was.
    pub fn slide(&mut self, v: &[f64], ra: usize, rb: usize, end: usize) {
        let forward = ra >= self.ra && rb >= self.rb && end >= self.end && ra <= rb && rb <= end;
        if !forward || ra >= self.rb {
            self.reference = v[ra..rb].to_vec();
            self.reference.sort_by(f64::total_cmp);
            self.probe = v[rb..end].to_vec();
            self.probe.sort_by(f64::total_cmp);
        } else {
            for (k, &x) in v.iter().enumerate().take(end).skip(self.end) {
                if k >= rb {
                    insert(&mut self.probe, x);
                } else if k >= ra {
                    insert(&mut self.reference, x);
                }
            }
            for (k, &x) in v.iter().enumerate().take(rb.min(self.end)).skip(self.rb) {
                remove(&mut self.probe, x);
                if k >= ra {
                    insert(&mut self.reference, x);
                }
            }
            for &x in &v[self.ra..ra.min(self.rb)] {
                remove(&mut self.reference, x);
            }
        }
        (self.ra, self.rb, self.end) = (ra, rb, end);
    }

    /// ks_test's vote on the current windows (the KS p-value only computed
    /// when D opens the gate).
    pub fn vote(&mut self, v: &[f64]) -> Vote {
        let (ra, rb) = (self.ra, self.rb);
        let adf = &mut self.adf;
        ks_vote_sorted(&self.reference, &self.probe, false, || {
            adf.slide(v, ra, rb);
            adf.test(v, ra, rb)
        })
    }
}
