//! Exact payload sizes: a count per distinct size, with exact count, total, min and max,
//! so that a 5,000-byte body is 5,000 B in every statistic (HDR buckets would round it).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::Hist;

/// A hasher for sizes: one multiplication (Fibonacci hashing), so that counting a body
/// costs a few nanoseconds on the load path instead of a SipHash round.
#[derive(Default)]
struct SizeHasher(u64);

impl Hasher for SizeHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type SizeMap = HashMap<u64, u64, BuildHasherDefault<SizeHasher>>;

/// Distinct sizes kept exactly per recorder. Bodies of a scenario take few distinct sizes
/// (a handful per step); past this many, further new sizes go to an HDR histogram (0.1%)
/// so that memory stays bounded whatever the service sends. Count, total, min and max stay
/// exact in every case.
pub const EXACT_SIZES: usize = 16_384;

/// The sizes of a set of bodies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sizes {
    count: u64,
    total: u64,
    min: u64,
    max: u64,
    exact: SizeMap,
    /// Sizes recorded after `exact` was full (and not already in it).
    overflow: Option<Hist>,
}

impl Sizes {
    #[inline]
    pub fn record(&mut self, size: u64) {
        self.record_n(size, 1);
    }

    fn record_n(&mut self, size: u64, n: u64) {
        if n == 0 {
            return;
        }
        super::widen(&mut self.min, &mut self.max, size, self.count == 0);
        self.count += n;
        self.total = self.total.saturating_add(size.saturating_mul(n));
        if let Some(c) = self.exact.get_mut(&size) {
            *c += n;
        } else if self.exact.len() < EXACT_SIZES {
            self.exact.insert(size, n);
        } else {
            self.overflow
                .get_or_insert_with(Hist::new)
                .record_n(size, n);
        }
    }

    pub fn merge(&mut self, o: &Sizes) {
        for (&size, &n) in &o.exact {
            self.record_n(size, n);
        }
        if let Some(h) = &o.overflow {
            // Their counts are already approximate: add them as they are, keeping the
            // exact count, total, min and max from `o`.
            let mine = self.overflow.get_or_insert_with(Hist::new);
            mine.merge(h);
            let n = h.len();
            if self.count == 0 {
                self.min = o.min;
                self.max = o.max;
            }
            self.count += n;
            let exact_total: u64 = o.exact.iter().map(|(s, c)| s * c).sum();
            self.total = self
                .total
                .saturating_add(o.total.saturating_sub(exact_total));
            self.min = self.min.min(o.min);
            self.max = self.max.max(o.max);
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn min(&self) -> Option<u64> {
        (self.count > 0).then_some(self.min)
    }

    pub fn max(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    /// Whether every percentile is exact (fewer distinct sizes than [`EXACT_SIZES`]).
    pub fn is_exact(&self) -> bool {
        self.overflow.is_none()
    }

    /// The nearest-rank percentile: the smallest recorded size such that at least
    /// `q` of the sizes are at or below it. None when nothing was recorded.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut sizes: Vec<(u64, u64)> = self.exact.iter().map(|(s, c)| (*s, *c)).collect();
        if let Some(h) = &self.overflow {
            sizes.extend(h.recorded());
        }
        sizes.sort_unstable();
        let mut seen = 0u64;
        for (size, n) in sizes {
            seen += n;
            if seen >= rank {
                // An overflow bucket's value can round past the true extremes.
                return Some(size.clamp(self.min, self.max));
            }
        }
        Some(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_statistic_is_exact() {
        let mut s = Sizes::default();
        for _ in 0..20 {
            s.record(5_000);
        }
        assert_eq!(s.quantile(0.5), Some(5_000));
        assert_eq!(s.quantile(0.95), Some(5_000));
        assert_eq!((s.min(), s.max()), (Some(5_000), Some(5_000)));
        assert_eq!(s.total(), 100_000);
        assert!(s.is_exact());
    }

    #[test]
    fn nearest_rank_percentiles() {
        let mut s = Sizes::default();
        for v in 1..=100 {
            s.record(v * 1_001);
        }
        assert_eq!(s.quantile(0.5), Some(50 * 1_001));
        assert_eq!(s.quantile(0.95), Some(95 * 1_001));
        assert_eq!(s.quantile(0.0), Some(1_001));
        assert_eq!(s.quantile(1.0), Some(100_100));
        assert_eq!(Sizes::default().quantile(0.5), None);
        assert_eq!(Sizes::default().max(), None);
    }

    #[test]
    fn merge_equals_recording_everything_in_one() {
        let (a, all) =
            crate::metrics::merged_and_whole::<Sizes>(1000, |v| (v * 7919) % 300 + 123_457, 3);
        assert_eq!(a, all);
        assert_eq!(a.quantile(0.95), all.quantile(0.95));
    }

    #[test]
    fn many_distinct_sizes_stay_bounded_and_close() {
        let mut s = Sizes::default();
        let n = EXACT_SIZES as u64 + 5_000;
        for v in 1..=n {
            s.record(v);
        }
        assert!(!s.is_exact());
        assert_eq!(s.count(), n);
        assert_eq!(s.total(), n * (n + 1) / 2, "the total stays exact");
        assert_eq!((s.min(), s.max()), (Some(1), Some(n)));
        let p95 = s.quantile(0.95).unwrap_or(0) as f64;
        let want = (0.95 * n as f64).ceil();
        assert!((p95 - want).abs() <= want * 0.002, "{p95} vs {want}");
    }

    #[test]
    fn merging_overflowed_recorders_keeps_the_exact_figures() {
        let n = EXACT_SIZES as u64 + 1_000;
        let (mut a, mut b) = (Sizes::default(), Sizes::default());
        for v in 1..=n {
            a.record(v);
            b.record(v + n);
        }
        a.merge(&b);
        assert_eq!(a.count(), 2 * n);
        let all = 2 * n;
        assert_eq!(a.total(), all * (all + 1) / 2);
        assert_eq!((a.min(), a.max()), (Some(1), Some(2 * n)));
        let p50 = a.quantile(0.5).unwrap_or(0) as f64;
        assert!((p50 - n as f64).abs() <= n as f64 * 0.002, "{p50}");
    }
}
