//! An order-statistic multiset over the values of one series, for sliding
//! windows: every value of the series is ranked once up front, and a Fenwick
//! tree counts which ranks are in the window, so inserting, removing, the
//! k-th smallest value and "how many window values lie below x" each cost
//! O(log n). Scan mode's medians, median absolute deviation, extremes and
//! histogram counts come from it.

/// The window's values as a multiset.
#[derive(Debug, Clone)]
pub struct OrderWindow {
    /// Every value of the series, sorted (ties by position).
    sorted: Vec<f64>,
    /// The rank of the series' i-th value in `sorted`.
    rank_of: Vec<u32>,
    /// Fenwick tree of counts per rank (1-based inside).
    tree: Vec<u32>,
    /// The largest power of two not above `sorted.len()`.
    top: usize,
    /// Values in the window.
    len: usize,
}

impl OrderWindow {
    /// An empty window over the series' `values`.
    pub fn new(values: &[f64]) -> OrderWindow {
        let mut order: Vec<u32> = (0..values.len() as u32).collect();
        order.sort_by(|&a, &b| values[a as usize].total_cmp(&values[b as usize]));
        let mut rank_of = vec![0u32; values.len()];
        for (rank, &i) in order.iter().enumerate() {
            rank_of[i as usize] = rank as u32;
        }
        let sorted = order.iter().map(|&i| values[i as usize]).collect();
        let top = if values.is_empty() {
            0
        } else {
            1 << (usize::BITS - 1 - values.len().leading_zeros())
        };
        OrderWindow {
            sorted,
            rank_of,
            tree: vec![0; values.len() + 1],
            top,
            len: 0,
        }
    }

    /// Values in the window.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the window holds no value.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn add(&mut self, rank: usize, delta: i32) {
        let mut i = rank + 1;
        while i < self.tree.len() {
            self.tree[i] = self.tree[i].wrapping_add_signed(delta);
            i += i & i.wrapping_neg();
        }
    }

    /// Puts the series' `i`-th value in the window.
    pub fn insert(&mut self, i: usize) {
        self.add(self.rank_of[i] as usize, 1);
        self.len += 1;
    }

    /// Takes the series' `i`-th value out of the window (it must be in it).
    pub fn remove(&mut self, i: usize) {
        self.add(self.rank_of[i] as usize, -1);
        self.len -= 1;
    }

    /// How many window values have a rank below `rank`.
    fn count_below_rank(&self, rank: usize) -> usize {
        let mut i = rank;
        let mut sum = 0u32;
        while i > 0 {
            sum += self.tree[i];
            i &= i - 1;
        }
        sum as usize
    }

    /// How many window values are below `x`.
    pub fn count_below(&self, x: f64) -> usize {
        self.count_below_rank(self.sorted.partition_point(|&v| v < x))
    }

    /// How many window values `v` have `key(v) < k`, for a `key` that never
    /// decreases as `v` grows.
    pub fn count_key_below(&self, key: impl Fn(f64) -> i64, k: i64) -> usize {
        self.count_below_rank(self.sorted.partition_point(|&v| key(v) < k))
    }

    /// The `k`-th smallest window value (0-based; `k < len`).
    pub fn kth(&self, k: usize) -> f64 {
        // Fenwick descent: the largest prefix holding at most k values.
        let mut pos = 0usize;
        let mut left = k as u32;
        let mut step = self.top;
        while step > 0 {
            let next = pos + step;
            if next < self.tree.len() && self.tree[next] <= left {
                pos = next;
                left -= self.tree[next];
            }
            step >>= 1;
        }
        self.sorted[pos]
    }

    /// The median (the mean of the two middle values for even counts); NaN
    /// when empty.
    pub fn median(&self) -> f64 {
        let n = self.len;
        match n {
            0 => f64::NAN,
            _ if n % 2 == 1 => self.kth(n / 2),
            _ => (self.kth(n / 2 - 1) + self.kth(n / 2)) / 2.0,
        }
    }

    /// The median of the distances `|v - m|` of the window values from `m`,
    /// without building them: the distances below `m` and above it are two
    /// sorted sequences, and the k-th smallest of two sorted sequences is a
    /// binary search.
    pub fn median_distance(&self, m: f64) -> f64 {
        let n = self.len;
        if n == 0 {
            return f64::NAN;
        }
        let below = self.count_below(m);
        let near = |i: usize| m - self.kth(below - 1 - i);
        let far = |j: usize| self.kth(below + j) - m;
        let kth = |k: usize| kth_of_two(&near, below, &far, n - below, k);
        if n % 2 == 1 {
            kth(n / 2)
        } else {
            (kth(n / 2 - 1) + kth(n / 2)) / 2.0
        }
    }
}

/// The `k`-th smallest (0-based) of the union of two ascending sequences
/// `a` (length `la`) and `b` (length `lb`), `k < la + lb`.
fn kth_of_two(
    a: &dyn Fn(usize) -> f64,
    la: usize,
    b: &dyn Fn(usize) -> f64,
    lb: usize,
    k: usize,
) -> f64 {
    // i values from a and k + 1 - i from b make up the k + 1 smallest.
    let (mut lo, mut hi) = ((k + 1).saturating_sub(lb), (k + 1).min(la));
    loop {
        let i = (lo + hi) / 2;
        let j = k + 1 - i;
        if i > 0 && j < lb && a(i - 1) > b(j) {
            hi = i - 1;
        } else if j > 0 && i < la && b(j - 1) > a(i) {
            lo = i + 1;
        } else {
            let from_a = if i > 0 { a(i - 1) } else { f64::NEG_INFINITY };
            let from_b = if j > 0 { b(j - 1) } else { f64::NEG_INFINITY };
            return from_a.max(from_b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anomaly::stats::median;

    #[test]
    fn kth_median_and_median_distance_match_sorting() {
        let values: Vec<f64> = (0..300u64)
            .map(|i| ((i * 2_654_435_761) % 97) as f64 / 7.0 - 3.0)
            .collect();
        let mut w = OrderWindow::new(&values);
        let width = 41;
        for i in 0..values.len() {
            w.insert(i);
            if i >= width {
                w.remove(i - width);
            }
            let start = i.saturating_sub(width - 1);
            let slice = &values[start..=i];
            let mut sorted = slice.to_vec();
            sorted.sort_by(f64::total_cmp);
            assert_eq!(w.len(), slice.len());
            for (k, &x) in sorted.iter().enumerate() {
                assert_eq!(w.kth(k), x);
            }
            let med = median(slice);
            assert_eq!(w.median(), med);
            let d: Vec<f64> = slice.iter().map(|x| (x - med).abs()).collect();
            assert_eq!(w.median_distance(med), median(&d), "at {i}");
            // Distances from a point off the median too.
            let d5: Vec<f64> = slice.iter().map(|x| (x - 5.0).abs()).collect();
            assert_eq!(w.median_distance(5.0), median(&d5));
            assert_eq!(
                w.count_below(1.0),
                slice.iter().filter(|&&x| x < 1.0).count()
            );
        }
    }
}
