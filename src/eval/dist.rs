//! Latency and think-time distributions sampled: the mocks' `latency` and the virtual
//! users' `think` draw from the same code.

use std::time::Duration;

use rand::Rng;

use perfdsl_core::model::Distribution;

/// Draws a duration from a distribution (think times, mock latency).
pub fn sample_duration(d: &Distribution, rng: &mut impl Rng) -> Duration {
    let secs = match d {
        Distribution::Fixed { value } => value.as_secs_f64(),
        Distribution::Uniform { min, max } => {
            let (a, b) = (min.as_secs_f64(), max.as_secs_f64());
            if b > a {
                rng.random_range(a..=b)
            } else {
                a
            }
        }
        Distribution::Normal { mean, sd } => {
            mean.as_secs_f64() + sd.as_secs_f64() * std_normal(rng)
        }
        Distribution::LogNormal { p50, p99 } => {
            // ln X ~ N(mu, sigma): the median is e^mu and the 99th percentile e^(mu + 2.326 sigma).
            let mu = p50.as_secs_f64().max(1e-9).ln();
            let sigma = (p99.as_secs_f64().max(1e-9).ln() - mu).max(0.0) / 2.326_347_874;
            (mu + sigma * std_normal(rng)).exp()
        }
    };
    Duration::from_secs_f64(secs.clamp(0.0, 3600.0))
}

/// A standard normal variate (Box–Muller).
fn std_normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(f64::MIN_POSITIVE);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn quantile(mut xs: Vec<f64>, q: f64) -> f64 {
        xs.sort_by(f64::total_cmp);
        xs[((xs.len() - 1) as f64 * q) as usize]
    }

    /// `n` draws from `d`, in milliseconds.
    fn draws(d: &Distribution, n: usize, rng: &mut rand::rngs::SmallRng) -> Vec<f64> {
        (0..n)
            .map(|_| sample_duration(d, rng).as_secs_f64() * 1000.0)
            .collect()
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn lognormal_hits_its_median_and_p99() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        let d = Distribution::LogNormal {
            p50: ms(20),
            p99: ms(80),
        };
        let xs = draws(&d, 100_000, &mut rng);
        let (p50, p99) = (quantile(xs.clone(), 0.5), quantile(xs, 0.99));
        assert!((p50 - 20.0).abs() < 0.5, "p50 {p50}");
        assert!((p99 - 80.0).abs() < 4.0, "p99 {p99}");
    }

    #[test]
    fn uniform_and_normal_stay_in_shape() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(3);
        let u = Distribution::Uniform {
            min: ms(10),
            max: ms(30),
        };
        let xs = draws(&u, 20_000, &mut rng);
        assert!(xs.iter().all(|x| (10.0..=30.0).contains(x)));
        assert!((quantile(xs, 0.5) - 20.0).abs() < 0.5);
        let n = Distribution::Normal {
            mean: ms(50),
            sd: ms(5),
        };
        let xs = draws(&n, 20_000, &mut rng);
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((mean - 50.0).abs() < 0.3, "mean {mean}");
    }
}
