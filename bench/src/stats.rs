//! Latency percentiles.

use std::time::Duration;

#[derive(Debug, Clone, Default)]
pub struct Latency {
    pub count: usize,
    pub errors: usize,
    pub wall: Duration,
    pub p50: Duration,
    pub p95: Duration,
    pub p99: Duration,
    pub max: Duration,
}

/// The sample at quantile `q` (nearest rank) of sorted samples.
pub fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

impl Latency {
    pub fn from_samples(mut samples: Vec<Duration>, errors: usize, wall: Duration) -> Self {
        samples.sort_unstable();
        Latency {
            count: samples.len(),
            errors,
            wall,
            p50: quantile(&samples, 0.50),
            p95: quantile(&samples, 0.95),
            p99: quantile(&samples, 0.99),
            max: samples.last().copied().unwrap_or_default(),
        }
    }

    /// Completed requests per second of wall time.
    pub fn throughput(&self) -> f64 {
        self.count as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Mean of some samples, in ms.
pub fn mean_ms(samples: &[Duration]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.iter().map(|d| ms(*d)).sum::<f64>() / samples.len() as f64
}
