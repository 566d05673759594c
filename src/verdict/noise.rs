//! The noise floor of a timing metric: how far it moves between runs of the same code,
//! estimated from the history (a robust spread) and from the latency histograms (the
//! sampling error of a percentile). Pure functions on numbers; `docs/verdicts.md` gives
//! the formulas.

use crate::metrics::Hist;

/// 1.4826 × MAD estimates the standard deviation of normally distributed values.
pub const MAD_SCALE: f64 = 1.4826;
/// z of a two-sided 95% interval.
pub const Z95: f64 = 1.96;
/// The fewest history points a spread is estimated from.
pub const MIN_POINTS: usize = 3;

/// The noise estimates of one metric and the margin a change must exceed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoiseFloor {
    /// Relative spread over the recent history (None: fewer than 3 points).
    pub history: Option<f64>,
    /// Relative half-width of the percentile's 95% interval, current and baseline
    /// combined (None: not a percentile, or no histogram).
    pub histogram: Option<f64>,
    /// max(min_noise, history, histogram).
    pub floor: f64,
    /// noise_factor × floor: the relative change that noise alone can explain.
    pub margin: f64,
}

impl NoiseFloor {
    /// Combines the estimates: the floor is the largest of them and `min_noise`.
    pub fn new(
        min_noise: f64,
        factor: f64,
        history: Option<f64>,
        histogram: Option<f64>,
    ) -> NoiseFloor {
        let floor = [Some(min_noise), history, histogram]
            .into_iter()
            .flatten()
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        NoiseFloor {
            history,
            histogram,
            floor,
            margin: factor * floor,
        }
    }
}

/// The median of the finite values; None when there are none.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        f64::midpoint(v[mid - 1], v[mid])
    })
}

/// The relative spread 1.4826 × MAD / median of a metric's recent values; None with
/// fewer than [`MIN_POINTS`] finite values or a median of zero.
pub fn history_spread(values: &[f64]) -> Option<f64> {
    let finite: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if finite.len() < MIN_POINTS {
        return None;
    }
    let mid = median(&finite)?;
    if mid == 0.0 {
        return None;
    }
    let deviations: Vec<f64> = finite.iter().map(|x| (x - mid).abs()).collect();
    let mad = median(&deviations)?;
    Some(MAD_SCALE * mad / mid.abs())
}

/// The relative half-width of the 95% confidence interval of quantile `q` of `hist`: the
/// values at ranks n·q ± 1.96·√(n·q·(1−q)) (rounded outwards, clamped to 1..=n), half
/// their distance, divided by the quantile's value. None for an empty histogram, a `q`
/// outside (0, 1), or a quantile of zero.
pub fn quantile_error(hist: &Hist, q: f64) -> Option<f64> {
    let n = hist.len();
    if n == 0 || !(q > 0.0 && q < 1.0) {
        return None;
    }
    let nf = n as f64;
    let centre = hist.quantile(q) as f64;
    if centre <= 0.0 {
        return None;
    }
    let spread = Z95 * (nf * q * (1.0 - q)).sqrt();
    let low = (nf * q - spread).floor().clamp(1.0, nf);
    let high = (nf * q + spread).ceil().clamp(1.0, nf);
    let half = (value_at_rank(hist, high) - value_at_rank(hist, low)) / 2.0;
    Some(half / centre)
}

/// The value of the `rank`-th smallest sample (1-based).
fn value_at_rank(hist: &Hist, rank: f64) -> f64 {
    // The histogram takes the sample at rank ⌈q·n⌉; half a rank below avoids rounding
    // up to the next rank through floating-point error.
    hist.quantile((rank - 0.5) / hist.len() as f64) as f64
}

/// The sampling errors of the current run and of the baseline combined (root of the sum
/// of squares). A side without a histogram is assumed as uncertain as the other.
pub fn combined_error(current: Option<f64>, baseline: Option<f64>) -> Option<f64> {
    match (current, baseline) {
        (Some(c), Some(b)) => Some((c * c + b * b).sqrt()),
        (Some(x), None) | (None, Some(x)) => Some(x * std::f64::consts::SQRT_2),
        (None, None) => None,
    }
}

/// The histogram and quantile behind a percentile metric: `latency.p95` →
/// (`latency`, 0.95), `latency_uncorrected.p999` → (`latency_uncorrected`, 0.999).
pub fn percentile_of(metric: &str) -> Option<(&str, f64)> {
    let (root, stat) = metric.split_once('.')?;
    if root != "latency" && root != "latency_uncorrected" {
        return None;
    }
    let digits = stat.strip_prefix('p')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: f64 = digits.parse().ok()?;
    Some((root, n / 10f64.powi(digits.len() as i32)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[f64::NAN]), None);
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn spread_is_scaled_mad_over_median() {
        // median 100; deviations 0,2,2,4,4,8,10 → MAD 4.
        let v = [100.0, 104.0, 96.0, 110.0, 92.0, 102.0, 98.0];
        assert!(close(history_spread(&v), 1.4826 * 4.0 / 100.0));
        assert_eq!(history_spread(&[5.0, 5.0, 5.0]), Some(0.0));
        assert_eq!(history_spread(&[5.0, 6.0]), None, "two points are too few");
        assert_eq!(history_spread(&[0.0, 0.0, 1.0]), None, "median of zero");
    }

    #[test]
    fn quantile_error_on_uniform_samples() {
        let mut h = Hist::new();
        for v in 1..=1000 {
            h.record(v);
        }
        // n·p = 950, 1.96·√47.5 = 13.508 → ranks 936 and 964, values 936 and 964.
        assert!(close(quantile_error(&h, 0.95), 14.0 / 950.0));
        // n·p = 500, 1.96·√250 = 30.99 → ranks 469 and 531.
        assert!(close(quantile_error(&h, 0.5), 31.0 / 500.0));
        assert_eq!(quantile_error(&Hist::new(), 0.5), None);
        assert_eq!(quantile_error(&h, 1.0), None);
    }

    #[test]
    fn quantile_error_clamps_ranks_to_the_samples() {
        let mut h = Hist::new();
        for v in [10, 20, 30, 40] {
            h.record(v);
        }
        // n·p = 3.96, 1.96·√(4·0.99·0.01) = 0.39 → ranks 3 and 4.39 → clamped to 4.
        assert!(close(quantile_error(&h, 0.99), 5.0 / 40.0));
    }

    #[test]
    fn errors_combine_root_sum_square() {
        assert!(close(combined_error(Some(0.03), Some(0.04)), 0.05));
        assert!(close(combined_error(None, Some(0.01)), 0.01 * 2f64.sqrt()));
        assert_eq!(combined_error(None, None), None);
    }

    #[test]
    fn floor_is_the_largest_estimate() {
        let f = NoiseFloor::new(0.02, 3.0, Some(0.0), None);
        assert_eq!((f.floor, f.margin), (0.02, 0.06));
        let f = NoiseFloor::new(0.02, 3.0, Some(0.05), Some(0.03));
        assert_eq!(f.floor, 0.05);
        assert!((f.margin - 0.15).abs() < 1e-12);
        assert_eq!(NoiseFloor::new(0.02, 2.0, None, Some(0.04)).floor, 0.04);
    }

    #[test]
    fn percentile_names() {
        assert_eq!(percentile_of("latency.p95"), Some(("latency", 0.95)));
        assert_eq!(
            percentile_of("latency_uncorrected.p999"),
            Some(("latency_uncorrected", 0.999))
        );
        assert_eq!(percentile_of("latency.mean"), None);
        assert_eq!(percentile_of("response_bytes.p95"), None);
        assert_eq!(percentile_of("latency.p"), None);
    }
}
