//! The statistics the timing verdicts are built from, on plain numbers: the run-to-run
//! spread of a metric measured on one runner (the MAD of log ratios), the Holm–Bonferroni
//! procedure that keeps one false-alarm rate for a run's whole family of timing metrics,
//! and the Hodges–Lehmann estimate of paired head/base log ratios with its exact
//! distribution-free interval (from the Wilcoxon signed-rank distribution), and the
//! two-sample Kolmogorov–Smirnov test of two latency histograms, for a change of shape the
//! percentiles miss. Deterministic: no sampling, so the same inputs give the same verdict.

use super::noise::median;
use crate::metrics::Hist;

/// 1.4826 × MAD estimates a normal distribution's standard deviation.
const MAD_TO_SD: f64 = 1.4826;

/// The robust run-to-run spread of one metric over repeated runs of the same build: the
/// MAD of the log ratios to their median, scaled to a standard deviation (0.03 ≈ 3 %).
/// `None` with fewer than 3 values, or with any value that is not finite and above zero
/// (a log ratio needs positive figures).
pub fn log_spread(values: &[f64]) -> Option<f64> {
    if values.len() < 3 || values.iter().any(|v| !v.is_finite() || *v <= 0.0) {
        return None;
    }
    let logs: Vec<f64> = values.iter().map(|v| v.ln()).collect();
    let mid = median(&logs)?;
    let deviations: Vec<f64> = logs.iter().map(|l| (l - mid).abs()).collect();
    Some(MAD_TO_SD * median(&deviations)?)
}

/// Holm–Bonferroni: which of a family of hypotheses to reject so that the chance of any
/// false rejection in the whole family stays at most `alpha`. The `i`-th smallest of `m`
/// p-values is rejected while each so far is at most `alpha / (m − i)`; the first that is
/// not stops the rejections. Returns one flag per p-value, in the order given; a p-value
/// that is not a number is never rejected.
pub fn holm(p_values: &[f64], alpha: f64) -> Vec<bool> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| nan_last(p_values[a]).total_cmp(&nan_last(p_values[b])));
    let mut rejected = vec![false; m];
    for (rank, &i) in order.iter().enumerate() {
        if p_values[i].is_nan() || p_values[i] > alpha / (m - rank) as f64 {
            break;
        }
        rejected[i] = true;
    }
    rejected
}

fn nan_last(p: f64) -> f64 {
    if p.is_nan() {
        f64::INFINITY
    } else {
        p
    }
}

/// The Walsh averages of paired differences, `(d_i + d_j) / 2` for every `i <= j`, sorted.
fn walsh_averages(d: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(d.len() * (d.len() + 1) / 2);
    for (i, a) in d.iter().enumerate() {
        for b in &d[i..] {
            out.push((a + b) / 2.0);
        }
    }
    out.sort_by(f64::total_cmp);
    out
}

/// The Hodges–Lehmann estimate of the typical paired difference: the median of the Walsh
/// averages. `None` without a difference or with one that is not finite.
pub fn hodges_lehmann(d: &[f64]) -> Option<f64> {
    if d.is_empty() || d.iter().any(|x| !x.is_finite()) {
        return None;
    }
    median(&walsh_averages(d))
}

/// How many of the `2^n` equally likely sign patterns of `n` ranked differences give a
/// signed-rank sum `W+` of each value `0..=n(n+1)/2`, the exact null distribution of the
/// Wilcoxon signed-rank statistic.
fn signed_rank_counts(n: usize) -> Vec<f64> {
    let max = n * (n + 1) / 2;
    let mut counts = vec![0.0; max + 1];
    counts[0] = 1.0;
    for rank in 1..=n {
        for w in (rank..=max).rev() {
            counts[w] += counts[w - rank];
        }
    }
    counts
}

/// The distribution-free confidence interval of the typical paired difference at
/// `confidence` (e.g. 0.95): `[W(k), W(M + 1 − k)]` of the `M` sorted Walsh averages, with
/// `k` the largest count whose lower tail `P(W+ < k)` of the signed-rank distribution is at
/// most `(1 − confidence) / 2`. `None` with fewer differences than that confidence needs
/// (6 for 95 %: with 5, even the widest interval has 93.75 %), or with one not finite.
pub fn signed_rank_interval(d: &[f64], confidence: f64) -> Option<(f64, f64)> {
    let n = d.len();
    if n == 0 || n > 1000 || d.iter().any(|x| !x.is_finite()) || !(0.0..1.0).contains(&confidence) {
        return None;
    }
    let tail = (1.0 - confidence) / 2.0;
    let total = 2f64.powi(i32::try_from(n).ok()?);
    let counts = signed_rank_counts(n);
    // k = how many of the smallest Walsh averages lie below the interval.
    let mut below = 0.0;
    let mut k = 0;
    for c in &counts {
        if (below + c) / total > tail {
            break;
        }
        below += c;
        k += 1;
    }
    if k == 0 {
        return None;
    }
    let w = walsh_averages(d);
    Some((w[k - 1], w[w.len() - k]))
}

/// How two latency distributions differ as a whole: the two-sample Kolmogorov–Smirnov
/// statistic over their histograms, its p-value, and the share of the current requests
/// slower than the baseline's p90 (0.10 when the shape is the same).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShapeChange {
    /// The largest gap between the two cumulative distributions, 0 to 1.
    pub d: f64,
    /// The chance of a gap at least this large between two samples of one distribution
    /// (asymptotic Kolmogorov distribution; conservative with the histograms' ties).
    pub p_value: f64,
    /// The share of the current requests above the baseline's p90.
    pub above_base_p90: f64,
}

/// Compares the current histogram with the baseline's; `None` when either is empty.
pub fn shape_change(base: &Hist, current: &Hist) -> Option<ShapeChange> {
    let (nb, nc) = (base.len() as f64, current.len() as f64);
    if nb == 0.0 || nc == 0.0 {
        return None;
    }
    let (mut b, mut c) = (base.recorded().peekable(), current.recorded().peekable());
    let (mut cb, mut cc, mut d) = (0.0, 0.0, 0.0f64);
    loop {
        // Step both cumulative distributions to the next value either has.
        let next = match (b.peek(), c.peek()) {
            (None, None) => break,
            (Some(&(vb, _)), Some(&(vc, _))) => vb.min(vc),
            (Some(&(v, _)), None) | (None, Some(&(v, _))) => v,
        };
        while let Some((_, n)) = b.next_if(|&(v, _)| v <= next) {
            cb += n as f64;
        }
        while let Some((_, n)) = c.next_if(|&(v, _)| v <= next) {
            cc += n as f64;
        }
        d = d.max((cb / nb - cc / nc).abs());
    }
    let p90 = base.quantile(0.9);
    let above = current
        .recorded()
        .filter(|(v, _)| *v > p90)
        .map(|(_, n)| n as f64)
        .sum::<f64>();
    Some(ShapeChange {
        d,
        p_value: kolmogorov_p(d, nb * nc / (nb + nc)),
        above_base_p90: above / nc,
    })
}

/// `P(D >= d)` for two samples of effective size `ne` (`n1 n2 / (n1 + n2)`), from the
/// Kolmogorov distribution with the usual small-sample correction of its argument.
fn kolmogorov_p(d: f64, ne: f64) -> f64 {
    let root = ne.sqrt();
    let lambda = (root + 0.12 + 0.11 / root) * d;
    if lambda < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    for j in 1..=100 {
        let j = f64::from(j);
        let term = 2.0 * (-2.0 * j * j * lambda * lambda).exp();
        sum += if j % 2.0 == 1.0 { term } else { -term };
        if term < 1e-12 {
            break;
        }
    }
    sum.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn the_spread_is_the_scaled_mad_of_log_ratios() {
        // Logs 0, ln 1.1, ln 0.9, ln 1.05, ln 1.0 → median 0; |deviations| sorted:
        // 0, 0, ln 1.05, |ln 0.9|, ln 1.1 → MAD = ln 1.05.
        let s = log_spread(&[1.0, 1.1, 0.9, 1.05, 1.0]).unwrap();
        assert!(close(s, MAD_TO_SD * 1.05f64.ln()), "{s}");
        // Scale-free: the same runs in other units have the same spread.
        let t = log_spread(&[50.0, 55.0, 45.0, 52.5, 50.0]).unwrap();
        assert!(close(s, t), "{s} {t}");
        assert_eq!(log_spread(&[1.0, 2.0]), None);
        assert_eq!(log_spread(&[1.0, 0.0, 2.0]), None);
        assert_eq!(log_spread(&[1.0, f64::NAN, 2.0]), None);
        assert_eq!(log_spread(&[3.0, 3.0, 3.0]), Some(0.0));
    }

    #[test]
    fn holm_steps_down_and_stops_at_the_first_kept() {
        // m = 4, alpha 0.05: thresholds 0.0125, 0.01667, 0.025, 0.05 for ranks 1..4.
        let p = [0.04, 0.001, 0.012, 0.03];
        // 0.001 ≤ 0.0125 ✓, 0.012 ≤ 0.01667 ✓, 0.03 > 0.025 ✗ → stop (0.04 kept too).
        assert_eq!(holm(&p, 0.05), [false, true, true, false]);
        // Holm rejects more than Bonferroni (alpha / m for all): 0.04 ≤ 0.05 at rank 2.
        assert_eq!(holm(&[0.011, 0.04], 0.05), [true, true]);
        // The smallest fails its threshold (0.03 > 0.025): nothing is rejected.
        assert_eq!(holm(&[0.03, 0.04], 0.05), [false, false]);
        assert_eq!(holm(&[f64::NAN, 0.001], 0.05), [false, true]);
        assert!(holm(&[], 0.05).is_empty());
    }

    #[test]
    fn hodges_lehmann_is_the_median_of_walsh_averages() {
        // d = 1, 2, 4: Walsh averages 1, 1.5, 2, 2.5, 3, 4 → median 2.25.
        assert_eq!(
            walsh_averages(&[1.0, 2.0, 4.0]),
            [1.0, 1.5, 2.0, 2.5, 3.0, 4.0]
        );
        assert_eq!(hodges_lehmann(&[1.0, 2.0, 4.0]), Some(2.25));
        // One wild round moves it little: the mean would be 34.
        assert_eq!(hodges_lehmann(&[1.0, 2.0, 3.0, 130.0]), Some(2.75));
        assert_eq!(hodges_lehmann(&[]), None);
    }

    #[test]
    fn the_signed_rank_distribution_is_exact() {
        // n = 3: W+ = 0..6 with counts 1, 1, 1, 2, 1, 1, 1 (of 8 sign patterns).
        assert_eq!(signed_rank_counts(3), [1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0]);
        // n = 10: the classic two-sided 5 % critical value is 8, i.e. P(W+ <= 8) ≤ 0.025
        // and P(W+ <= 9) > 0.025.
        let c = signed_rank_counts(10);
        let cdf = |w: usize| c[..=w].iter().sum::<f64>() / 1024.0;
        assert!(cdf(8) <= 0.025 && cdf(9) > 0.025, "{} {}", cdf(8), cdf(9));
    }

    #[test]
    fn the_interval_brackets_the_estimate_and_needs_enough_rounds() {
        // n = 10 at 95 %: k = 9 (P(W+ <= 8) ≤ 0.025), so [W(9), W(47)] of 55 averages.
        let d: Vec<f64> = (1..=10).map(f64::from).collect();
        let w = walsh_averages(&d);
        assert_eq!(signed_rank_interval(&d, 0.95), Some((w[8], w[46])));
        let (lo, hi) = signed_rank_interval(&d, 0.95).unwrap();
        let hl = hodges_lehmann(&d).unwrap();
        assert!(lo < hl && hl < hi, "{lo} {hl} {hi}");
        // Five rounds cannot give 95 % (the widest interval has 1 − 2/32 = 93.75 %).
        assert_eq!(signed_rank_interval(&d[..5], 0.95), None);
        assert!(signed_rank_interval(&d[..6], 0.95).is_some());
        assert_eq!(signed_rank_interval(&[1.0, f64::NAN], 0.5), None);
    }

    fn hist(values: &[u64]) -> Hist {
        let mut h = Hist::new();
        for v in values {
            h.record(*v);
        }
        h
    }

    #[test]
    fn the_largest_gap_between_the_distributions() {
        // a = 1..4, b = 3..6: the CDFs differ by .25, .5, .5, .5, .25, 0 → D = 0.5.
        let s = shape_change(&hist(&[1, 2, 3, 4]), &hist(&[3, 4, 5, 6])).unwrap();
        assert!(close(s.d, 0.5), "{s:?}");
        // The baseline's p90 is 4: the current 5 and 6 lie above it.
        assert!(close(s.above_base_p90, 0.5), "{s:?}");
        let same = shape_change(&hist(&[1, 2, 3, 4]), &hist(&[4, 3, 2, 1])).unwrap();
        assert_eq!((same.d, same.p_value), (0.0, 1.0));
        assert_eq!(shape_change(&Hist::new(), &hist(&[1])), None);
    }

    #[test]
    fn a_third_of_the_requests_on_a_slow_path_is_a_change_the_median_misses() {
        // 3,000 requests each: the same fast body; then a third of the current ones slow.
        let fast: Vec<u64> = (0..3000).map(|i| 1000 + i % 100).collect();
        let mut slowed = fast.clone();
        for v in slowed.iter_mut().step_by(3) {
            *v += 5000;
        }
        let (base, current) = (hist(&fast), hist(&slowed));
        let (m0, m1) = (base.quantile(0.5) as f64, current.quantile(0.5) as f64);
        assert!((m1 - m0).abs() / m0 < 0.05, "the median holds: {m0} → {m1}");
        let s = shape_change(&base, &current).unwrap();
        assert!(s.d > 0.3 && s.p_value < 1e-6, "{s:?}");
        assert!(s.above_base_p90 > 0.3, "{s:?}");
        let same = shape_change(&base, &hist(&fast)).unwrap();
        assert!(same.p_value > 0.99, "{same:?}");
    }

    #[test]
    fn the_kolmogorov_tail_at_known_points() {
        // Q(λ) = 2 Σ (−1)^(j−1) e^(−2 j² λ²): Q(1.36) ≈ 0.049, the classic 5 % point.
        let ne = 1e12_f64; // the correction vanishes
        assert!((kolmogorov_p(1.36 / ne.sqrt(), ne) - 0.0494).abs() < 1e-3);
        assert_eq!(kolmogorov_p(0.0, 100.0), 1.0);
    }
}
