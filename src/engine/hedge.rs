//! Hedged requests in the executor (feature `platform`): one request, and if it has not
//! answered with headers within the hedge delay, the same request to the next endpoint of
//! the call's order (open circuits are already out of it), up to `maxHedges` times. The
//! first 2xx wins; the others are aborted through their fetch's signal and stay in the
//! attempts trace as `cancelled`. A failure that fails over (5xx, timeout, connection) is
//! recorded while the others keep going; any other failure (4xx, the caller's abort or
//! deadline) ends the group at once, as gRPC's fatal status codes do.

use super::{Executor, Opened, Operation};
use crate::core::cancel::CancelToken;
use crate::core::context::RequestContext;
use crate::core::error::{ErrorCode, LlmError};
use crate::core::maybe_send::{boxed, BoxFuture};
use crate::core::response::{Attempt, Marks};
use crate::prelude::*;
use crate::resilience::FailoverRun;
use core::task::Poll;

/// The request a failure came from: its endpoint, when it started, whether a hedge.
pub(super) struct Sent {
    pub endpoint: usize,
    pub started: f64,
    pub hedge: bool,
}

type Outcome = core::result::Result<Opened, (LlmError, Option<u16>)>;

struct Member<'a> {
    endpoint: usize,
    hedge: bool,
    started: f64,
    token: CancelToken,
    fut: BoxFuture<'a, Outcome>,
}

impl Executor {
    /// Takes a token from the retry budget (always granted when the model has none).
    fn withdraw(&self) -> bool {
        self.budget.as_ref().map_or(true, |b| b.withdraw())
    }

    /// One request of the walk (with its hedges), after the retry budget allows it: every
    /// request after the call's first (a retry, a failover, a hedge) takes a token. `None`
    /// when refused: the trace says so and the call ends with its last error.
    pub(super) async fn send_budgeted(
        &self,
        op: &dyn Operation,
        ctx: &RequestContext,
        run: &mut FailoverRun,
        deadline: Option<f64>,
        sent: &mut Sent,
    ) -> Option<Outcome> {
        if run.sent > 0 && !self.withdraw() {
            run.attempts.push(Attempt {
                endpoint: self.targets[sent.endpoint].origin().to_string(),
                status: None,
                error_code: None,
                latency_ms: 0.0,
                skipped: true,
                marks: Marks {
                    budget_exhausted: true,
                    ..Marks::default()
                },
            });
            return None;
        }
        run.sent += 1;
        let outcome = self.hedged(op, ctx, run, deadline, sent).await;
        if let Ok(opened) = &outcome {
            if let Some(b) = &self.budget {
                b.deposit();
            }
            self.ttfb.record(opened.endpoint, opened.ttfb_ms);
        }
        Some(outcome)
    }

    /// What a failed request says about its endpoint, for the breaker (as in `open`).
    fn note_failure(&self, i: usize, e: &LlmError, latency_ms: f64, now: f64) {
        if e.terminal || e.code == ErrorCode::Aborted || e.code == ErrorCode::InvalidInput {
            self.pool.release_probe(i);
        } else if e.code.is_failover() {
            self.pool.failure(i, &self.policy, now);
        } else {
            self.pool.success(i, latency_ms);
        }
    }

    /// ctx.hedge as an object needs the model's retry budget: hedges draw on it.
    pub(super) fn check_call_hedge(&self, ctx: &RequestContext) -> crate::core::error::Result<()> {
        if (ctx.hedge_delay_ms.is_some() || ctx.max_hedges.is_some()) && self.budget.is_none() {
            return Err(LlmError::invalid_input(
                "ctx.hedge needs a model with hedge or retryBudget in its config",
                "Hedges draw on the model's retry budget: add hedge: { delayMs } (or retryBudget: {}) to the config passed to createLLM.",
            ));
        }
        Ok(())
    }

    /// This call's hedge delay and count for a request to endpoint `i`, if it hedges.
    fn hedge_plan(&self, i: usize, ctx: &RequestContext) -> Option<(f64, u32)> {
        if ctx.no_hedge {
            return None;
        }
        let model = self.policy.hedge;
        let max = ctx.max_hedges.or(model.map(|h| h.max_hedges)).unwrap_or(1);
        let delay = match (ctx.hedge_delay_ms, model) {
            (Some(ms), _) => ms,
            (None, Some(h)) => self.ttfb.delay(i, h.delay)?,
            (None, None) => return None,
        };
        (max > 0).then_some((delay, max))
    }

    /// Sends to endpoint `i`, hedging when the call may: the first 2xx, or the failure that
    /// ends the group (the last one, or the first that does not fail over).
    async fn hedged<'a>(
        &'a self,
        op: &'a dyn Operation,
        ctx: &'a RequestContext,
        run: &mut FailoverRun,
        deadline: Option<f64>,
        sent: &mut Sent,
    ) -> Outcome {
        let i = sent.endpoint;
        let start = |endpoint: usize, hedge: bool| {
            let token = CancelToken::new();
            Member {
                endpoint,
                hedge,
                started: self.clock.now_ms(),
                token: token.clone(),
                fut: boxed(self.attempt(endpoint, op, ctx, deadline, token)),
            }
        };
        let plan = self.hedge_plan(i, ctx);
        let mut members = vec![start(i, false)];
        let (delay, mut hedges_left) = plan.unwrap_or((0.0, 0));
        let mut timer: Option<BoxFuture<'static, ()>> = (hedges_left > 0
            && run.peek_next_endpoint().is_some())
        .then(|| self.clock.sleep(delay));
        loop {
            let event = core::future::poll_fn(|cx| {
                for (k, m) in members.iter_mut().enumerate() {
                    if let Poll::Ready(r) = m.fut.as_mut().poll(cx) {
                        return Poll::Ready(Some((k, r)));
                    }
                }
                match timer.as_mut().map(|t| t.as_mut().poll(cx)) {
                    Some(Poll::Ready(())) => Poll::Ready(None),
                    _ => Poll::Pending,
                }
            })
            .await;
            match event {
                None => {
                    // The delay passed without headers: hedge to the next endpoint.
                    timer = None;
                    let Some(next) = run.peek_next_endpoint() else {
                        continue;
                    };
                    if !self.withdraw() {
                        run.attempts.push(Attempt {
                            endpoint: self.targets[next].origin().to_string(),
                            status: None,
                            error_code: None,
                            latency_ms: 0.0,
                            skipped: true,
                            marks: Marks {
                                hedge: true,
                                cancelled: false,
                                budget_exhausted: true,
                            },
                        });
                        continue;
                    }
                    run.take_next_endpoint();
                    run.sent += 1;
                    members.push(start(next, true));
                    hedges_left -= 1;
                    if hedges_left > 0 && run.peek_next_endpoint().is_some() {
                        timer = Some(self.clock.sleep(delay));
                    }
                }
                Some((k, Ok(mut opened))) => {
                    let winner = members.remove(k);
                    opened.hedge = winner.hedge;
                    self.cancel_all(members, run);
                    return Ok(opened);
                }
                Some((k, Err((e, status)))) => {
                    let m = members.remove(k);
                    if members.is_empty() || !e.code.is_failover() || e.terminal {
                        // The group's last request, or a failure that ends the call.
                        self.cancel_all(members, run);
                        *sent = Sent {
                            endpoint: m.endpoint,
                            started: m.started,
                            hedge: m.hedge,
                        };
                        return Err((e, status));
                    }
                    // Fails over: record it, and wait for the others.
                    let now = self.clock.now_ms();
                    let attempt = Attempt {
                        endpoint: self.targets[m.endpoint].origin().to_string(),
                        status,
                        error_code: Some(e.code),
                        latency_ms: now - m.started,
                        skipped: false,
                        marks: Marks::hedge(m.hedge),
                    };
                    self.note_failure(m.endpoint, &e, attempt.latency_ms, now);
                    run.attempts.push(attempt);
                    run.last_error = Some(e);
                }
            }
        }
    }

    /// Aborts the requests that lost, and lists them in the trace as cancelled.
    fn cancel_all(&self, members: Vec<Member<'_>>, run: &mut FailoverRun) {
        let now = self.clock.now_ms();
        for m in members {
            m.token.cancel(ErrorCode::Aborted);
            drop(m.fut);
            // No verdict on the endpoint, and no sample for its window: its time to first
            // byte is unknown, and the wait so far (about the hedge delay) as a sample would
            // pull the percentile up a little at every hedge until hedging stopped.
            self.pool.release_probe(m.endpoint);
            run.attempts.push(Attempt {
                endpoint: self.targets[m.endpoint].origin().to_string(),
                status: None,
                error_code: Some(ErrorCode::Aborted),
                latency_ms: now - m.started,
                skipped: false,
                marks: Marks {
                    hedge: m.hedge,
                    cancelled: true,
                    budget_exhausted: false,
                },
            });
        }
    }
}
