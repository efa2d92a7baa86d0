//! The resilience settings, as data parsed from the config.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Primary first, then backups in the order given.
    #[default]
    Priority,
    RoundRobin,
    Weighted,
    /// Lowest moving average of time to first byte first.
    LeastLatency,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StreamFailover {
    /// A stream that fails after text was delivered rejects with partialContent.
    #[default]
    Reject,
    /// Resume on the next endpoint by asking for a continuation of the partial answer.
    Continue,
}

impl Strategy {
    pub fn parse(s: &str) -> Option<Strategy> {
        Some(match s {
            "priority" => Strategy::Priority,
            "round-robin" => Strategy::RoundRobin,
            "weighted" => Strategy::Weighted,
            "least-latency" => Strategy::LeastLatency,
            _ => return None,
        })
    }
}

impl StreamFailover {
    pub fn parse(s: &str) -> Option<StreamFailover> {
        Some(match s {
            "reject" => StreamFailover::Reject,
            "continue" => StreamFailover::Continue,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Until response headers, per attempt.
    pub attempt_timeout_ms: Option<f64>,
    /// Longest silence inside a stream.
    pub idle_timeout_ms: Option<f64>,
    /// Extra tries on the same endpoint before moving on.
    pub retries: u32,
    pub backoff_base_ms: f64,
    pub backoff_max_ms: f64,
    pub strategy: Strategy,
    /// Consecutive failures that open an endpoint's circuit.
    pub breaker_failures: u32,
    pub breaker_cooldown_ms: f64,
    pub stream_failover: StreamFailover,
    /// Wait out a 429's retryAfterMs and retry the same endpoint (within the deadline).
    pub retry_rate_limited: bool,
    pub limits: Limits,
    /// Hedged requests (config.hedge).
    #[cfg(feature = "platform")]
    pub hedge: Option<super::hedge::HedgePolicy>,
    /// The retry budget (config.retryBudget; on with its defaults whenever hedge is set).
    #[cfg(feature = "platform")]
    pub budget: Option<super::hedge::BudgetPolicy>,
}

/// How much of a response the module holds, checked as bytes arrive: past a limit the
/// call ends with `response_too_large` and the connection is closed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// One SSE event.
    pub max_event_bytes: usize,
    /// A whole non-streaming body.
    pub max_body_bytes: usize,
    /// Everything one streamed response sends.
    pub max_stream_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        // Sized for real answers: a 128k-token answer is under 1 MB of text, but streamed
        // with Azure's per-chunk annotations it can pass 60 MB of SSE (none of it is kept:
        // the stream limit stops runaway streams, the others bound what is buffered); an
        // image's base64 in one event is a few MB.
        Limits {
            max_event_bytes: 16 << 20,
            max_body_bytes: 32 << 20,
            max_stream_bytes: 256 << 20,
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            attempt_timeout_ms: Some(60_000.0),
            idle_timeout_ms: Some(30_000.0),
            retries: 0,
            backoff_base_ms: 200.0,
            backoff_max_ms: 2_000.0,
            strategy: Strategy::Priority,
            breaker_failures: 3,
            breaker_cooldown_ms: 30_000.0,
            stream_failover: StreamFailover::Reject,
            retry_rate_limited: false,
            limits: Limits::default(),
            #[cfg(feature = "platform")]
            hedge: None,
            #[cfg(feature = "platform")]
            budget: None,
        }
    }
}

impl Policy {
    /// Exponential backoff with full jitter: a random wait in [0, min(max, base·2^n)].
    pub fn backoff_ms(&self, retry_number: u32, random01: f64) -> f64 {
        let cap =
            (self.backoff_base_ms * (1u32 << retry_number.min(20)) as f64).min(self.backoff_max_ms);
        cap * random01.clamp(0.0, 1.0)
    }
}
