//! Per-endpoint health: a circuit breaker (closed → open after N consecutive failures →
//! half-open after the cooldown, letting one probe through) and the figures the
//! load-balancing strategies choose by.

use super::policy::{Policy, Strategy};
use crate::core::maybe_send::Lock;
use crate::prelude::*;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

#[derive(Clone, Debug, Default)]
struct Health {
    consecutive_failures: u32,
    /// While set and in the future, the circuit is open: the endpoint is skipped.
    open_until: Option<f64>,
    /// Half-open: when the one probe went out; others skip the endpoint until it reports
    /// (or, if its call ended without reaching it, until a cooldown later).
    probe_at: Option<f64>,
    /// Exponential moving average of time to first byte, ms.
    ttfb_ms: Option<f64>,
    /// Running counts of outcomes, for sharing health across isolates (llm-edge/health
    /// reports the difference between two readings).
    #[cfg(feature = "shared-health")]
    successes: u32,
    #[cfg(feature = "shared-health")]
    failures: u32,
}

#[cfg(feature = "shared-health")]
/// One endpoint's breaker state as another isolate can use it: how long its circuit stays
/// open from now, its consecutive failures, its running outcome counts, its latency.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shared {
    pub open_ms: f64,
    pub consecutive_failures: u32,
    pub successes: u32,
    pub failures: u32,
    pub ttfb_ms: Option<f64>,
}

pub struct Pool {
    health: Lock<Vec<Health>>,
    weights: Vec<f64>,
    next_rr: AtomicUsize,
    rng: AtomicU64,
}

/// How an endpoint stands right now, for ordering.
#[derive(PartialEq, Eq, PartialOrd, Ord, Clone, Copy, Debug)]
enum Standing {
    Closed,
    /// Cooldown over: may take one probe.
    Probe,
    Open,
}

impl Pool {
    pub fn new(weights: Vec<f64>, seed: u64) -> Self {
        Pool {
            health: Lock::new(vec![Health::default(); weights.len()]),
            weights,
            next_rr: AtomicUsize::new(0),
            rng: AtomicU64::new(seed | 1),
        }
    }

    pub fn len(&self) -> usize {
        self.weights.len()
    }

    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    fn lock(&self) -> impl core::ops::DerefMut<Target = Vec<Health>> + '_ {
        self.health.lock()
    }

    /// A number in [0, 1) from a xorshift generator (jitter and weighted choice need no more).
    pub fn random(&self) -> f64 {
        let mut x = self.rng.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.store(x, Ordering::Relaxed);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The order to try endpoints in for one call: the strategy's order, less open
    /// circuits. One endpoint whose cooldown is over keeps its place as the half-open
    /// probe. If every circuit is open, the one closest to the end of its cooldown is tried
    /// rather than failing without a try. Also returns the endpoints left out for an open
    /// circuit, for the attempts trace.
    pub fn order(&self, policy: &Policy, now: f64) -> (Vec<usize>, Vec<usize>) {
        let n = self.len();
        let mut base: Vec<usize> = (0..n).collect();
        match policy.strategy {
            Strategy::Priority => {}
            Strategy::RoundRobin => {
                let start = self.next_rr.fetch_add(1, Ordering::Relaxed) % n.max(1);
                base.rotate_left(start);
            }
            Strategy::Weighted => {
                // Weighted random order without replacement.
                let mut left = base.clone();
                base.clear();
                while !left.is_empty() {
                    let total: f64 = left.iter().map(|&i| self.weights[i].max(0.0)).sum();
                    let mut r = self.random() * total;
                    let mut pick = left.len() - 1;
                    for (k, &i) in left.iter().enumerate() {
                        r -= self.weights[i].max(0.0);
                        if r < 0.0 {
                            pick = k;
                            break;
                        }
                    }
                    base.push(left.remove(pick));
                }
            }
            Strategy::LeastLatency => {
                let h = self.lock();
                // Unmeasured endpoints first, so each gets measured.
                // Insertion sort: a handful of endpoints, and no sort routine in the wasm.
                let key = |i: usize| h[i].ttfb_ms.unwrap_or(-1.0);
                for k in 1..base.len() {
                    let mut j = k;
                    while j > 0 && key(base[j - 1]) > key(base[j]) {
                        base.swap(j - 1, j);
                        j -= 1;
                    }
                }
            }
        }
        let mut h = self.lock();
        let stale = policy.breaker_cooldown_ms.max(1000.0);
        let standing = |x: &Health| match x.open_until {
            Some(t) if now < t => Standing::Open,
            Some(_) if x.probe_at.map_or(false, |p| now - p < stale) => Standing::Open,
            Some(_) => Standing::Probe,
            None => Standing::Closed,
        };
        let mut probe_taken = false;
        let mut out = Vec::with_capacity(n);
        let mut skipped = Vec::new();
        for &i in &base {
            match standing(&h[i]) {
                Standing::Closed => out.push(i),
                Standing::Probe if !probe_taken => {
                    probe_taken = true;
                    h[i].probe_at = Some(now);
                    out.push(i);
                }
                _ => skipped.push(i),
            }
        }
        if out.is_empty() {
            if let Some(&soonest) = base.iter().min_by(|&&a, &&b| {
                let ta = h[a].open_until.unwrap_or(0.0);
                let tb = h[b].open_until.unwrap_or(0.0);
                ta.partial_cmp(&tb).unwrap_or(core::cmp::Ordering::Equal)
            }) {
                out.push(soonest);
                skipped.retain(|&i| i != soonest);
            }
        }
        (out, skipped)
    }

    pub fn success(&self, i: usize, ttfb_ms: f64) {
        let mut h = self.lock();
        if let Some(x) = h.get_mut(i) {
            #[cfg(feature = "shared-health")]
            {
                x.successes = x.successes.wrapping_add(1);
            }
            x.consecutive_failures = 0;
            x.open_until = None;
            x.probe_at = None;
            x.ttfb_ms = Some(match x.ttfb_ms {
                Some(avg) => avg * 0.8 + ttfb_ms * 0.2,
                None => ttfb_ms,
            });
        }
    }

    /// A failure that says something about the endpoint (not a 4xx about the request).
    pub fn failure(&self, i: usize, policy: &Policy, now: f64) {
        let mut h = self.lock();
        if let Some(x) = h.get_mut(i) {
            #[cfg(feature = "shared-health")]
            {
                x.failures = x.failures.wrapping_add(1);
            }
            x.consecutive_failures += 1;
            if x.probe_at.is_some() || x.consecutive_failures >= policy.breaker_failures.max(1) {
                x.open_until = Some(now + policy.breaker_cooldown_ms);
            }
            x.probe_at = None;
        }
    }

    #[cfg(feature = "shared-health")]
    /// Endpoint `i`'s state for other isolates (times relative to `now`).
    pub fn shared(&self, i: usize, now: f64) -> Option<Shared> {
        self.lock().get(i).map(|x| Shared {
            open_ms: x.open_until.map_or(0.0, |t| (t - now).max(0.0)),
            consecutive_failures: x.consecutive_failures,
            successes: x.successes,
            failures: x.failures,
            ttfb_ms: x.ttfb_ms,
        })
    }

    #[cfg(feature = "shared-health")]
    /// Applies what other isolates saw: `open_ms > 0` keeps the circuit open at least that
    /// long from `now`, `open_ms == 0` closes it (another isolate reached the endpoint after
    /// it failed here), below 0 leaves it as it is. A latency hint fills in an endpoint
    /// this isolate has not measured yet. The running counts are this isolate's own.
    pub fn adopt(&self, i: usize, open_ms: f64, ttfb_ms: f64, now: f64) {
        if let Some(x) = self.lock().get_mut(i) {
            if open_ms > 0.0 {
                // At most a day: a store's bad value must not shut an endpoint for good.
                let t = now + open_ms.min(86_400_000.0);
                if x.open_until.map_or(true, |u| u < t) {
                    x.open_until = Some(t);
                }
                x.probe_at = None;
            } else if open_ms == 0.0 {
                x.open_until = None;
                x.probe_at = None;
                x.consecutive_failures = 0;
            }
            if ttfb_ms > 0.0 && x.ttfb_ms.is_none() {
                x.ttfb_ms = Some(ttfb_ms);
            }
        }
    }

    /// A probe that ended without a verdict (aborted by the caller): let another probe go.
    pub fn release_probe(&self, i: usize) {
        if let Some(x) = self.lock().get_mut(i) {
            x.probe_at = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaker_opens_then_half_opens_one_probe() {
        let p = Policy {
            breaker_failures: 2,
            breaker_cooldown_ms: 100.0,
            ..Policy::default()
        };
        let pool = Pool::new(vec![1.0, 1.0], 7);
        assert_eq!(pool.order(&p, 0.0).0, vec![0, 1]);
        pool.failure(0, &p, 0.0);
        assert_eq!(pool.order(&p, 1.0).0, vec![0, 1]);
        pool.failure(0, &p, 1.0);
        assert_eq!(pool.order(&p, 2.0).0, vec![1], "open: skipped");
        assert_eq!(
            pool.order(&p, 200.0).0,
            vec![0, 1],
            "half-open: probed in its place"
        );
        assert_eq!(pool.order(&p, 201.0).0, vec![1], "one probe at a time");
        pool.failure(0, &p, 202.0);
        assert_eq!(
            pool.order(&p, 203.0).0,
            vec![1],
            "a failed probe reopens the circuit"
        );
        assert_eq!(
            pool.order(&p, 400.0).0,
            vec![0, 1],
            "probed again after the cooldown"
        );
        pool.success(0, 5.0);
        assert_eq!(pool.order(&p, 401.0).0, vec![0, 1], "closed again");
        assert_eq!(pool.order(&p, 402.0).0, vec![0, 1]);
    }

    #[cfg(feature = "shared-health")]
    #[test]
    fn shared_state_reads_and_applies() {
        let p = Policy {
            breaker_failures: 2,
            breaker_cooldown_ms: 100.0,
            ..Policy::default()
        };
        let pool = Pool::new(vec![1.0, 1.0], 7);
        pool.success(0, 40.0);
        pool.failure(1, &p, 0.0);
        pool.failure(1, &p, 10.0);
        let s = pool.shared(1, 30.0).unwrap();
        assert_eq!(
            (s.open_ms, s.consecutive_failures, s.successes, s.failures),
            (80.0, 2, 0, 2)
        );
        assert_eq!(pool.shared(0, 30.0).unwrap().ttfb_ms, Some(40.0));
        // Another isolate saw endpoint 0 fail: open here too, skipped, in the trace.
        pool.adopt(0, 500.0, -1.0, 30.0);
        assert_eq!(pool.order(&p, 31.0), (vec![1], vec![0]));
        // A shorter opening does not shorten a longer one.
        pool.adopt(0, 10.0, -1.0, 31.0);
        assert_eq!(pool.shared(0, 31.0).unwrap().open_ms, 499.0);
        // Closed elsewhere: closed here, counts untouched.
        pool.adopt(0, 0.0, -1.0, 40.0);
        pool.adopt(1, 0.0, 25.0, 40.0);
        assert_eq!(pool.order(&p, 41.0).0, vec![0, 1]);
        let s = pool.shared(1, 41.0).unwrap();
        assert_eq!(
            (s.open_ms, s.consecutive_failures, s.failures, s.ttfb_ms),
            (0.0, 0, 2, Some(25.0))
        );
        // Below zero: left as it is; a hint never overwrites a measurement.
        pool.adopt(0, -1.0, 99.0, 50.0);
        assert_eq!(pool.shared(0, 50.0).unwrap().ttfb_ms, Some(40.0));
        assert!(pool.shared(2, 50.0).is_none());
    }

    #[test]
    fn strategies() {
        let mut p = Policy {
            strategy: Strategy::RoundRobin,
            ..Policy::default()
        };
        let pool = Pool::new(vec![1.0, 1.0, 1.0], 7);
        let firsts: Vec<usize> = (0..3).map(|_| pool.order(&p, 0.0).0[0]).collect();
        assert_eq!(firsts, vec![0, 1, 2]);
        p.strategy = Strategy::LeastLatency;
        pool.success(0, 50.0);
        pool.success(1, 10.0);
        pool.success(2, 30.0);
        assert_eq!(pool.order(&p, 0.0).0, vec![1, 2, 0]);
        p.strategy = Strategy::Weighted;
        let pool = Pool::new(vec![9.0, 1.0], 7);
        let zero_first = (0..1000).filter(|_| pool.order(&p, 0.0).0[0] == 0).count();
        assert!((850..=950).contains(&zero_first), "{zero_first}");
    }
}
