//! Hedged requests and the retry budget (feature `platform`, built into `llm-edge/full`).
//!
//! Hedging follows gRPC's hedging policy (proposal A6): when the endpoint tried has not
//! answered with headers within a delay, the same request also goes to the next endpoint
//! in the call's order; the first 2xx wins and the others are aborted. The delay is fixed
//! or learned: a percentile of the endpoint's recent times to first byte.
//!
//! The retry budget is one token bucket per model in the manner of AWS's retry quota and
//! Finagle's RetryBudget: every request beyond a call's first (a retry, a failover after a
//! failure, a hedge) takes one token; every call that gets a 2xx response puts `ratio`
//! back. It starts full with `allowance` tokens, which is also the most it holds. With no
//! successes (a full outage) the extra requests over any span are at most `allowance`; in
//! steady state they are at most `ratio` × the successful calls plus the allowance.

use crate::core::maybe_send::Lock;
use crate::prelude::*;

/// When to send a hedge.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HedgeDelay {
    /// A fixed number of milliseconds.
    Fixed(f64),
    /// This percentile (0–100) of the endpoint's recent times to first byte, but at least
    /// the floor (ms). No hedge until the window holds `MIN_SAMPLES`: a guess at a cold
    /// start would hedge every request to a fast endpoint. Only requests that got their
    /// headers are samples (a hedge's aborted loser is not).
    Percentile(f64, Option<f64>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HedgePolicy {
    pub delay: HedgeDelay,
    /// Hedges per call beyond the first request (gRPC's maxAttempts − 1).
    pub max_hedges: u32,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BudgetPolicy {
    /// Tokens a successful call puts back (0.1: extra requests ≤ 10% of successful calls).
    pub ratio: f64,
    /// Tokens at the start, and the most the budget holds.
    pub allowance: f64,
}

impl Default for BudgetPolicy {
    fn default() -> Self {
        BudgetPolicy {
            ratio: 0.1,
            allowance: 10.0,
        }
    }
}

/// The shared bucket. One per model (per executor), shared by its concurrent calls. Counted
/// in thousandths of a token, so ten deposits of 0.1 make exactly one.
pub struct RetryBudget {
    milli: Lock<u64>,
    ratio_milli: u64,
    cap_milli: u64,
}

impl RetryBudget {
    pub fn new(policy: BudgetPolicy) -> Self {
        let cap_milli = (policy.allowance * 1000.0) as u64;
        RetryBudget {
            milli: Lock::new(cap_milli),
            ratio_milli: (policy.ratio * 1000.0 + 0.5) as u64,
            cap_milli,
        }
    }

    /// Takes one token for an extra request; `false` (nothing taken) when less than one is left.
    pub fn withdraw(&self) -> bool {
        let mut t = self.milli.lock();
        if *t >= 1000 {
            *t -= 1000;
            true
        } else {
            false
        }
    }

    /// A call that got its 2xx response.
    pub fn deposit(&self) {
        let mut t = self.milli.lock();
        *t = (*t + self.ratio_milli).min(self.cap_milli);
    }

    pub fn tokens(&self) -> f64 {
        *self.milli.lock() as f64 / 1000.0
    }
}

/// Samples a percentile needs before it is trusted.
pub const MIN_SAMPLES: usize = 10;
/// Samples kept per endpoint: recent enough to follow a change within a minute of traffic,
/// few enough that a percentile costs nothing.
pub const WINDOW: usize = 64;

/// The last `WINDOW` times to first byte of one endpoint, a ring.
#[derive(Clone, Default)]
struct Ring {
    samples: Vec<f64>,
    next: usize,
}

/// Per-endpoint windows of recent times to first byte.
pub struct TtfbWindows(Lock<Vec<Ring>>);

impl TtfbWindows {
    pub fn new(endpoints: usize) -> Self {
        TtfbWindows(Lock::new(vec![Ring::default(); endpoints]))
    }

    pub fn record(&self, endpoint: usize, ms: f64) {
        if !ms.is_finite() || ms < 0.0 {
            return;
        }
        let mut w = self.0.lock();
        let Some(r) = w.get_mut(endpoint) else {
            return;
        };
        if r.samples.len() < WINDOW {
            r.samples.push(ms);
        } else {
            r.samples[r.next] = ms;
        }
        r.next = (r.next + 1) % WINDOW;
    }

    /// The `p`th percentile (nearest rank) of the endpoint's window, once it holds enough.
    pub fn percentile(&self, endpoint: usize, p: f64) -> Option<f64> {
        let mut v = self.0.lock().get(endpoint)?.samples.clone();
        if v.len() < MIN_SAMPLES {
            return None;
        }
        // Insertion sort: 64 numbers, and no sort routine in the wasm.
        for k in 1..v.len() {
            let mut j = k;
            while j > 0 && v[j - 1] > v[j] {
                v.swap(j - 1, j);
                j -= 1;
            }
        }
        // Nearest rank: the smallest sample with at least p% of the window at or below it.
        let at = (p / 100.0) * v.len() as f64;
        let rank = at as usize + usize::from((at as usize as f64) < at); // ceil, without std
        Some(v[rank.clamp(1, v.len()) - 1])
    }

    /// The delay before a hedge of a request to `endpoint`, if one is known.
    pub fn delay(&self, endpoint: usize, d: HedgeDelay) -> Option<f64> {
        match d {
            HedgeDelay::Fixed(ms) => Some(ms),
            HedgeDelay::Percentile(p, floor) => self
                .percentile(endpoint, p)
                .map(|x| x.max(floor.unwrap_or(0.0))),
        }
    }
}

/// "p90", "p99.9": a percentile strictly between 0 and 100.
pub fn parse_percentile(s: &str) -> Option<f64> {
    let n = crate::wire::json::parse_f64(s.strip_prefix('p')?)?;
    (n > 0.0 && n < 100.0).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_bounds_extra_requests_in_an_outage_and_refills_with_successes() {
        let b = RetryBudget::new(BudgetPolicy::default());
        // A full outage: nothing refills, so 1,000 calls get exactly the allowance in extras.
        let extras = (0..1000).filter(|_| b.withdraw()).count();
        assert_eq!(extras, 10);
        assert!(!b.withdraw());
        // Nine successes put back 0.9 tokens: still not one extra request.
        for _ in 0..9 {
            b.deposit();
        }
        assert!(!b.withdraw());
        b.deposit();
        assert!(b.withdraw(), "ten successes buy one extra request");
        assert!(!b.withdraw());
        // It never holds more than the allowance.
        for _ in 0..10_000 {
            b.deposit();
        }
        assert!((b.tokens() - 10.0).abs() < 1e-9);
        // Steady state: N successful calls allow at most allowance + ratio × N extras.
        let b = RetryBudget::new(BudgetPolicy {
            ratio: 0.05,
            allowance: 3.0,
        });
        let mut extras = 0;
        for _ in 0..2000 {
            if b.withdraw() {
                extras += 1;
            }
            if b.withdraw() {
                extras += 1;
            }
            b.deposit();
        }
        assert!(extras <= 3 + 100, "{extras}");
        assert!(extras >= 100, "{extras}");
    }

    #[test]
    fn percentile_window_is_bounded_and_follows_recent_samples() {
        let w = TtfbWindows::new(2);
        for i in 1..MIN_SAMPLES {
            w.record(0, i as f64);
        }
        assert_eq!(w.percentile(0, 50.0), None, "too few samples");
        assert_eq!(
            w.delay(0, HedgeDelay::Percentile(50.0, Some(123.0))),
            None,
            "no hedge until the window is warm"
        );
        w.record(0, 10.0);
        assert_eq!(w.delay(0, HedgeDelay::Percentile(50.0, None)), Some(5.0));
        assert_eq!(
            w.delay(0, HedgeDelay::Percentile(50.0, Some(7.0))),
            Some(7.0),
            "delayMs is the floor"
        );
        assert_eq!(
            w.delay(0, HedgeDelay::Percentile(90.0, Some(7.0))),
            Some(9.0)
        );
        // 1..=10: nearest-rank p50 is 5, p90 is 9, p99 is 10.
        assert_eq!(w.percentile(0, 50.0), Some(5.0));
        assert_eq!(w.percentile(0, 90.0), Some(9.0));
        assert_eq!(w.percentile(0, 99.0), Some(10.0));
        assert_eq!(
            w.percentile(1, 50.0),
            None,
            "endpoints have their own windows"
        );
        // 100 samples of 1,000 ms push every earlier sample out; the window stays at 64.
        for _ in 0..100 {
            w.record(0, 1000.0);
        }
        assert_eq!(w.0.lock()[0].samples.len(), WINDOW);
        assert_eq!(w.percentile(0, 1.0), Some(1000.0));
        // 90% fast, 10% slow: p90 is fast, p95 slow.
        let w = TtfbWindows::new(1);
        for i in 0..WINDOW * 3 {
            w.record(0, if i % 10 == 0 { 500.0 } else { 20.0 });
        }
        assert_eq!(w.percentile(0, 80.0), Some(20.0));
        assert_eq!(w.percentile(0, 95.0), Some(500.0));
        // Garbage is not recorded.
        w.record(0, f64::NAN);
        w.record(0, -1.0);
        w.record(7, 1.0);
        assert_eq!(w.0.lock()[0].samples.len(), WINDOW);
    }

    #[test]
    fn percentiles_parse() {
        assert_eq!(parse_percentile("p90"), Some(90.0));
        assert_eq!(parse_percentile("p99.9"), Some(99.9));
        for bad in ["90", "p0", "p100", "p-1", "pNaN", "p", "P90", "p1e9"] {
            assert_eq!(parse_percentile(bad), None, "{bad}");
        }
    }
}
