//! A thin wrapper over an HDR histogram with fixed bounds, saturating records, and the
//! standard compressed encoding (V2 + deflate) in base64 for results files.

use base64::Engine as _;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use hdrhistogram::Histogram;

/// Highest value a histogram tracks: one hour in microseconds (or ~3.6 GB for sizes).
pub const MAX_VALUE: u64 = 3_600_000_000;
/// Significant decimal digits kept (0.1% relative precision).
pub const SIGFIG: u8 = 3;

/// An HDR histogram of non-negative integers (microseconds, bytes, scaled values).
#[derive(Debug, Clone)]
pub struct Hist {
    h: Histogram<u64>,
}

impl Default for Hist {
    fn default() -> Self {
        Hist::new()
    }
}

impl PartialEq for Hist {
    fn eq(&self, other: &Self) -> bool {
        self.h == other.h
    }
}

impl Hist {
    /// An empty histogram of microseconds, 1 µs to an hour, three significant digits.
    ///
    /// # Panics
    /// Never: the bounds are constants that `hdrhistogram` accepts.
    pub fn new() -> Self {
        let h = Histogram::new_with_bounds(1, MAX_VALUE, SIGFIG)
            .expect("constant histogram bounds are valid");
        Hist { h }
    }

    /// Records one value; values above the range are clamped to it.
    #[inline]
    pub fn record(&mut self, v: u64) {
        self.h.saturating_record(v.min(MAX_VALUE));
    }

    /// Records `value` `n` times.
    pub fn record_n(&mut self, v: u64, n: u64) {
        self.h.saturating_record_n(v.min(MAX_VALUE), n);
    }

    /// Adds every count of `other` (same bounds, so this cannot fail).
    pub fn merge(&mut self, other: &Hist) {
        // Same bounds and precision on both sides: `add` only fails on range mismatch.
        let _ = self.h.add(&other.h);
    }

    pub fn len(&self) -> u64 {
        self.h.len()
    }

    pub fn is_empty(&self) -> bool {
        self.h.is_empty()
    }

    /// The value at quantile `q` (0.0..=1.0); 0 when empty.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.h.is_empty() {
            0
        } else {
            self.h.value_at_quantile(q)
        }
    }

    pub fn min(&self) -> u64 {
        if self.h.is_empty() {
            0
        } else {
            self.h.min()
        }
    }

    pub fn max(&self) -> u64 {
        self.h.max()
    }

    pub fn mean(&self) -> f64 {
        self.h.mean()
    }

    pub fn stdev(&self) -> f64 {
        self.h.stdev()
    }

    /// Every recorded bucket as (its highest equivalent value, count), lowest first.
    pub fn recorded(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.h
            .iter_recorded()
            .map(|v| (v.value_iterated_to(), v.count_at_value()))
    }

    /// Standard compressed encoding (HdrHistogram V2 + deflate), base64.
    pub fn to_base64(&self) -> String {
        let mut buf = Vec::new();
        match V2DeflateSerializer::new().serialize(&self.h, &mut buf) {
            Ok(_) => base64::engine::general_purpose::STANDARD.encode(buf),
            Err(_) => String::new(),
        }
    }

    /// Decodes `to_base64` output.
    pub fn from_base64(s: &str) -> Result<Hist, String> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .map_err(|e| format!("invalid base64: {e}"))?;
        let h: Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .map_err(|e| format!("invalid histogram encoding: {e:?}"))?;
        let mut out = Hist::new();
        out.h
            .add(&h)
            .map_err(|e| format!("histogram out of range: {e:?}"))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_on_fixed_input() {
        let mut h = Hist::new();
        for v in 1..=1000 {
            h.record(v);
        }
        assert_eq!(h.len(), 1000);
        assert_eq!(h.quantile(0.5), 500);
        assert_eq!(h.quantile(0.95), 950);
        assert_eq!(h.quantile(0.99), 990);
        assert_eq!(h.min(), 1);
        assert_eq!(h.max(), 1000);
        assert!((h.mean() - 500.5).abs() < 0.5);
    }

    #[test]
    fn merge_equals_recording_everything_in_one() {
        let (a, all) =
            crate::metrics::merged_and_whole::<Hist>(5000, |v| (v * 7919) % 100_000 + 1, 2);
        assert_eq!(a, all);
    }

    #[test]
    fn base64_round_trip_and_clamping() {
        let mut h = Hist::new();
        h.record(12);
        h.record(MAX_VALUE * 10);
        let back = Hist::from_base64(&h.to_base64()).expect("decodes");
        assert_eq!(back, h);
        assert_eq!(back.len(), 2);
        assert!(back.max() >= MAX_VALUE - MAX_VALUE / 500);
        assert!(Hist::from_base64("not base64!").is_err());
        assert!(Hist::from_base64("AAAA").is_err());
    }

    #[test]
    fn empty_histogram_reads_as_zero() {
        let h = Hist::new();
        assert_eq!(h.quantile(0.99), 0);
        assert_eq!(h.min(), 0);
        assert!(h.is_empty());
    }
}
