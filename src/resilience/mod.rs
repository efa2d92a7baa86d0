//! Endpoint selection, failover, retries, deadlines and circuit breaking: all inside the
//! module, so a browser tab or an edge function gets them without a proxy.

use crate::prelude::*;

pub mod breaker;
pub mod deadline;
#[cfg(feature = "platform")]
pub mod hedge;
pub mod policy;

pub use breaker::Pool;
pub use deadline::{race, Interrupt};
pub use policy::{Limits, Policy, Strategy, StreamFailover};

use crate::core::error::{ErrorCode, LlmError};
use crate::core::response::Attempt;

/// One call's walk over the endpoints: which to try next, what each attempt did.
pub struct FailoverRun {
    order: Vec<usize>,
    pos: usize,
    /// Tries left on the current endpoint (retries on the same endpoint, then move on).
    tries_left: u32,
    retries: u32,
    pub attempts: Vec<Attempt>,
    pub last_error: Option<LlmError>,
    /// How many endpoints the model has: with backups, a run that found none answering
    /// ends in all_endpoints_failed whatever the breaker let it try.
    configured: usize,
    /// Requests sent so far: every one after the first draws on the retry budget.
    #[cfg(feature = "platform")]
    pub sent: u32,
}

impl FailoverRun {
    pub fn new(order: Vec<usize>, retries: u32, configured: usize) -> Self {
        FailoverRun {
            order,
            pos: 0,
            tries_left: retries + 1,
            retries,
            attempts: Vec::new(),
            last_error: None,
            configured,
            #[cfg(feature = "platform")]
            sent: 0,
        }
    }

    /// The endpoint for the next attempt, and whether it is a retry on the same endpoint.
    pub fn next(&mut self) -> Option<(usize, bool)> {
        let idx = *self.order.get(self.pos)?;
        let retry = self.tries_left <= self.retries;
        self.tries_left -= 1;
        Some((idx, retry))
    }

    /// Records a failed attempt; returns whether to keep going (failover-worthy error).
    pub fn failed(&mut self, attempt: Attempt, err: LlmError) -> bool {
        self.attempts.push(attempt);
        let go_on = err.code.is_failover();
        self.last_error = Some(err);
        if self.tries_left == 0 {
            self.pos += 1;
            self.tries_left = self.retries + 1;
        }
        go_on && self.pos < self.order.len()
    }

    /// Moves straight to the next endpoint (a stream that died: retrying the same one is
    /// less likely to help than a fresh one).
    pub fn skip_endpoint(&mut self) {
        if self.tries_left <= self.retries {
            self.pos += 1;
            self.tries_left = self.retries + 1;
        }
    }

    /// The endpoint a hedge would go to: the one after the current one.
    #[cfg(feature = "platform")]
    pub fn peek_next_endpoint(&self) -> Option<usize> {
        self.order.get(self.pos + 1).copied()
    }

    /// The endpoint after the current one, taken for a hedge: the walk goes on from it,
    /// without retries on the endpoint it leaves.
    #[cfg(feature = "platform")]
    pub fn take_next_endpoint(&mut self) -> Option<usize> {
        let idx = *self.order.get(self.pos + 1)?;
        self.pos += 1;
        self.tries_left = self.retries;
        Some(idx)
    }

    pub fn has_more(&self) -> bool {
        self.pos < self.order.len()
    }

    /// The error the caller sees once the run stops: the last endpoint's own error when only
    /// one endpoint was involved, otherwise "all_endpoints_failed" naming each.
    pub fn into_error(self) -> LlmError {
        // Backups configured (whether or not the breaker let them be tried), or more than
        // one endpoint tried: the same failure gives the same code whatever the breaker state.
        let several = self.configured > 1
            || self
                .attempts
                .iter()
                .any(|a| a.endpoint != self.attempts[0].endpoint);
        let last = self.last_error.unwrap_or_else(|| {
            LlmError::new(ErrorCode::AllEndpointsFailed, "no endpoint could be tried")
        });
        let mut e = if several && last.code.is_failover() && !last.terminal {
            let summary: Vec<String> = self
                .attempts
                .iter()
                .map(|a| {
                    #[cfg(feature = "platform")]
                    if a.marks.budget_exhausted {
                        return format!("{} → not tried (retry budget exhausted)", a.endpoint);
                    }
                    format!(
                        "{} → {}",
                        a.endpoint,
                        if a.skipped {
                            "skipped (circuit open)".to_string()
                        } else {
                            a.status
                                .map(|s| s.to_string())
                                .or(a.error_code.map(|c| c.as_str().to_string()))
                                .unwrap_or_default()
                        }
                    )
                })
                .collect();
            let mut e = LlmError::new(
                ErrorCode::AllEndpointsFailed,
                format!("every endpoint failed: {}", summary.join("; ")),
            )
            .with_hint(
                "Each endpoint's failure is in `attempts`; the last error was: ".to_string()
                    + &last.message,
            );
            e.status = last.status;
            e.retry_after_ms = last.retry_after_ms;
            e
        } else {
            last
        };
        e.attempts = self.attempts;
        e
    }
}
