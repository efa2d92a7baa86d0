//! The executor: one engine for every provider and operation. It owns what every call
//! needs — endpoint order, attempts, retries with backoff, deadlines, the circuit breaker,
//! failover, the attempts trace, scrubbing of credentials — and asks a `Target` (the
//! provider) how to build and authorize a request and read an error, and an `Operation`
//! (chat now) for the body and how to read the answer. Neither a new provider nor a new
//! operation changes this file.

use crate::core::cancel::CancelToken;
use crate::core::context::RequestContext;
use crate::core::error::{ErrorCode, LlmError, Result};
use crate::core::maybe_send::{MaybeSend, MaybeSync};
use crate::core::replace_all;
use crate::core::response::Attempt;
use crate::prelude::*;
use crate::providers::{OpKind, Target};
use crate::resilience::{race, FailoverRun, Interrupt, Policy, Pool};
use crate::transport::{BodyReader, Clock, HttpResponse, Transport, TransportError};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

#[cfg(feature = "platform")]
mod hedge;
pub mod stream;

/// What one call asks of every endpoint it tries.
pub trait Operation: MaybeSend + MaybeSync {
    fn kind(&self) -> OpKind;
    /// The request body for one target: its model rules and how it names the model.
    fn body(&self, target: &dyn Target) -> Result<String>;
    /// A body that is not JSON, with its content type (image edits' multipart form data),
    /// sent instead of `body`'s. None (the default) for every JSON operation.
    #[cfg(feature = "media")]
    fn form(&self, _target: &dyn Target) -> Option<Result<(Vec<u8>, String)>> {
        None
    }
}

pub struct Executor {
    targets: Vec<Arc<dyn Target>>,
    transport: Arc<dyn Transport>,
    pub clock: Arc<dyn Clock>,
    pub policy: Policy,
    pub pool: Pool,
    closed: AtomicBool,
    /// The model's retry budget: every request after a call's first takes a token.
    #[cfg(feature = "platform")]
    pub budget: Option<crate::resilience::hedge::RetryBudget>,
    /// Recent times to first byte per endpoint, for a hedge delay given as a percentile.
    #[cfg(feature = "platform")]
    pub ttfb: crate::resilience::hedge::TtfbWindows,
}

/// A response whose headers said 2xx, and where it came from.
pub struct Opened {
    pub response: HttpResponse,
    pub endpoint: usize,
    pub started_ms: f64,
    pub ttfb_ms: f64,
    pub token: CancelToken,
    /// The bearer token this request carried, to scrub from what the body says.
    pub bearer: Option<String>,
    /// This request was a hedge (sent while an earlier one still waited for headers).
    #[cfg(feature = "platform")]
    pub hedge: bool,
}

/// A finished call: the parsed value, which endpoint served it, and every attempt.
pub struct Served<T> {
    pub value: T,
    pub endpoint: usize,
    pub origin: String,
    pub attempts: Vec<Attempt>,
    pub latency_ms: f64,
}

impl Executor {
    pub fn new(
        targets: Vec<Arc<dyn Target>>,
        transport: Arc<dyn Transport>,
        clock: Arc<dyn Clock>,
        policy: Policy,
    ) -> Self {
        let seed = (clock.now_ms() * 1000.0) as u64 ^ 0x9E37_79B9_7F4A_7C15;
        let pool = Pool::new(targets.iter().map(|t| t.weight()).collect(), seed);
        #[cfg(feature = "platform")]
        let budget = policy
            .budget
            .or(policy.hedge.map(|_| Default::default()))
            .map(crate::resilience::hedge::RetryBudget::new);
        #[cfg(feature = "platform")]
        let ttfb = crate::resilience::hedge::TtfbWindows::new(targets.len());
        Executor {
            #[cfg(feature = "platform")]
            budget,
            #[cfg(feature = "platform")]
            ttfb,
            targets,
            transport,
            clock,
            policy,
            pool,
            closed: AtomicBool::new(false),
        }
    }

    pub fn target(&self, i: usize) -> &dyn Target {
        &*self.targets[i]
    }

    pub fn targets(&self) -> &[Arc<dyn Target>] {
        &self.targets
    }

    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }

    pub fn check_open(&self) -> Result<()> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(LlmError::invalid_input(
                "this model was closed",
                "Create a new one with createLLM(config).",
            ));
        }
        Ok(())
    }

    /// Starts one call's walk over the endpoints.
    pub fn start_run(&self) -> FailoverRun {
        let (order, skipped) = self.pool.order(&self.policy, self.clock.now_ms());
        let mut run = FailoverRun::new(order, self.policy.retries, self.targets.len());
        for i in skipped {
            run.attempts.push(Attempt {
                endpoint: self.targets[i].origin().to_string(),
                status: None,
                error_code: None,
                latency_ms: 0.0,
                skipped: true,
                #[cfg(feature = "platform")]
                marks: Default::default(),
            });
        }
        run
    }

    pub fn deadline(&self, ctx: &RequestContext) -> Option<f64> {
        ctx.timeout_ms.map(|t| self.clock.now_ms() + t)
    }

    /// Every credential the endpoints hold plus the request's token, in each form a server
    /// might echo it: as sent, percent-encoded, JSON-escaped and base64.
    fn secret_forms(&self, token: Option<&str>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let plain = self.targets.iter().flat_map(|t| t.secrets()).chain(token);
        for s in plain.filter(|s| s.len() >= 4) {
            let mut json = String::new();
            crate::wire::json::escape_into(&mut json, s);
            let json = json
                .get(1..json.len().saturating_sub(1))
                .unwrap_or("")
                .to_string();
            for form in [
                s.to_string(),
                crate::providers::url::encode_segment(s),
                json,
                crate::core::llm::base64(s.as_bytes()),
            ] {
                // Longest first, so a form containing another is replaced whole. (An
                // insertion, not a sort: no sort code in the wasm for a handful of items.)
                if !out.contains(&form) {
                    let at = out.iter().position(|o| o.len() < form.len());
                    out.insert(at.unwrap_or(out.len()), form);
                }
            }
        }
        out
    }

    /// `text` with every form of every secret replaced. Runs on whole texts, before any
    /// snippet is cut, so a key is never cut in half and kept.
    pub fn scrub(&self, text: &str, token: Option<&str>) -> String {
        let mut t = text.to_string();
        for f in self.secret_forms(token) {
            t = replace_all(&t, &f, "[redacted]");
        }
        t
    }

    /// The error with every form of every credential removed from its text fields.
    pub fn redact(&self, mut e: LlmError, token: Option<&str>) -> LlmError {
        let forms = self.secret_forms(token);
        let clean = |s: &str| {
            let mut t = s.to_string();
            for f in &forms {
                t = replace_all(&t, f, "[redacted]");
            }
            t
        };
        e.message = clean(&e.message);
        e.hint = e.hint.as_deref().map(clean);
        e.provider_code = e.provider_code.as_deref().map(clean);
        e.partial_content = e.partial_content.as_deref().map(clean);
        e
    }

    pub fn interrupt_error(&self, why: Interrupt, ctx: &RequestContext, phase: &str) -> LlmError {
        match why {
            Interrupt::Cancelled(_) => LlmError::aborted(),
            Interrupt::Deadline => {
                let mut e = LlmError::timeout(format!(
                    "ctx.timeoutMs ({} ms) ran out {phase}",
                    ctx.timeout_ms.unwrap_or(0.0) as u64
                ));
                e.terminal = true;
                e
            }
            Interrupt::AttemptTimeout => match phase {
                "while streaming" => LlmError::timeout(format!(
                    "the stream was silent for idleTimeoutMs ({} ms)",
                    self.policy.idle_timeout_ms.unwrap_or(0.0) as u64
                )),
                _ => LlmError::timeout(format!(
                    "no response headers within timeoutMs ({} ms)",
                    self.policy.attempt_timeout_ms.unwrap_or(0.0) as u64
                )),
            },
        }
    }

    /// One attempt against endpoint `i`: sends and waits for headers; a non-2xx answer is
    /// read (up to a limit) and turned into the target's error.
    async fn attempt(
        &self,
        i: usize,
        op: &dyn Operation,
        ctx: &RequestContext,
        deadline: Option<f64>,
        // Aborts this request's fetch (a hedge's loser is aborted through it).
        token: CancelToken,
    ) -> core::result::Result<Opened, (LlmError, Option<u16>)> {
        let target = &*self.targets[i];
        let started_ms = self.clock.now_ms();
        #[cfg(feature = "media")]
        let form = op.form(target).transpose().map_err(|e| (e, None))?;
        #[cfg(feature = "media")]
        let body = match form {
            Some(_) => String::new(),
            None => op.body(target).map_err(|e| (e, None))?,
        };
        #[cfg(not(feature = "media"))]
        let body = op.body(target).map_err(|e| (e, None))?;
        #[allow(unused_mut)] // set only for a binary body (media)
        let mut prepared = race(
            target.prepare(op.kind(), body, ctx),
            &*self.clock,
            &ctx.cancel,
            deadline,
            self.policy.attempt_timeout_ms,
        )
        .await
        .map_err(|w| (self.interrupt_error(w, ctx, "while getting a token"), None))?
        .map_err(|e| (self.redact(e, None), None))?;
        #[cfg(feature = "media")]
        if let Some((bytes, content_type)) = form {
            let r = &mut prepared.request;
            r.body = None;
            r.binary = Some(bytes);
            r.headers.retain(|(k, _)| k != "content-type");
            r.headers.push(("content-type".into(), content_type));
        }
        let bearer = prepared.token;
        let sent = race(
            self.transport.send(prepared.request, token.clone()),
            &*self.clock,
            &ctx.cancel,
            deadline,
            self.policy.attempt_timeout_ms,
        )
        .await;
        let mut response = match sent {
            Err(why) => {
                token.cancel(ErrorCode::Aborted);
                return Err((
                    self.interrupt_error(why, ctx, "before the response arrived"),
                    None,
                ));
            }
            Ok(Err(TransportError::Cancelled)) => return Err((LlmError::aborted(), None)),
            Ok(Err(TransportError::Connection(why))) => {
                let e = LlmError::new(ErrorCode::Connection, format!("could not reach {}: {why}", target.origin()))
                    .with_hint("Check the endpoint URL and network; in a browser, a CORS or mixed-content block also shows up this way.");
                return Err((self.redact(e, bearer.as_deref()), None));
            }
            Ok(Ok(r)) => r,
        };
        let ttfb_ms = self.clock.now_ms() - started_ms;
        if (200..300).contains(&response.status) {
            // A proxy's or captive portal's page is not an answer: fail over like any
            // other unparseable one, naming what came instead.
            if let Some(ct) = response.header("content-type").map(str::to_string) {
                if crate::core::find(&ct.to_ascii_lowercase(), "html").is_some() {
                    response.body.cancel();
                    token.cancel(ErrorCode::Aborted);
                    let e = LlmError::parse(format!(
                        "HTTP {}: the endpoint answered with {ct}, not the API's JSON or event stream",
                        response.status
                    ));
                    return Err((e, Some(response.status)));
                }
            }
            return Ok(Opened {
                response,
                endpoint: i,
                started_ms,
                ttfb_ms,
                token,
                bearer,
                #[cfg(feature = "platform")]
                hedge: false,
            });
        }
        let status = response.status;
        let body = match race(
            read_limited(&mut *response.body, 64 * 1024),
            &*self.clock,
            &ctx.cancel,
            deadline,
            self.policy.idle_timeout_ms,
        )
        .await
        {
            Ok(Ok(b)) => b,
            Ok(Err(_)) | Err(_) => {
                response.body.cancel();
                Vec::new()
            }
        };
        let e = if (300..400).contains(&status) {
            redirect_error(status, &response)
        } else {
            // Scrubbed before the target reads it: its snippets must not cut a key in half.
            let body = self.scrub(&String::from_utf8_lossy(&body), bearer.as_deref());
            target.error(
                status,
                &response.headers,
                body.as_bytes(),
                self.clock.epoch_ms(),
            )
        };
        Err((self.redact(e, bearer.as_deref()), Some(status)))
    }

    /// One request to endpoint `i` alone, no failover: a job's later steps stay where the
    /// job was accepted. A non-2xx answer is the target's typed error.
    #[cfg(feature = "media")]
    pub async fn send_to(
        &self,
        i: usize,
        op: &dyn Operation,
        ctx: &RequestContext,
        deadline: Option<f64>,
    ) -> Result<Opened> {
        self.check_open()?;
        self.attempt(i, op, ctx, deadline, CancelToken::new())
            .await
            .map_err(|(e, _)| e)
    }

    /// Reads an opened body whole (up to the configured limit), within the deadline.
    #[cfg(feature = "media")]
    pub async fn read_body(
        &self,
        opened: &mut Opened,
        ctx: &RequestContext,
        deadline: Option<f64>,
    ) -> Result<Vec<u8>> {
        let limit = self.policy.limits.max_body_bytes;
        match race(
            read_capped(&mut *opened.response.body, limit),
            &*self.clock,
            &ctx.cancel,
            deadline,
            self.policy.idle_timeout_ms,
        )
        .await
        {
            Ok(Ok(Some(b))) => Ok(b),
            Ok(Ok(None)) => Err(LlmError::too_large("the answer", limit)),
            Ok(Err(TransportError::Cancelled)) => Err(LlmError::aborted()),
            Ok(Err(TransportError::Connection(why))) => Err(LlmError::new(
                ErrorCode::Connection,
                format!("the answer broke off: {why}"),
            )),
            Err(why) => {
                opened.response.body.cancel();
                opened.token.cancel(ErrorCode::Aborted);
                Err(self.interrupt_error(why, ctx, "while reading the answer"))
            }
        }
    }

    /// Runs `work` without awaiting it (see `Transport::detach`).
    #[cfg(feature = "media")]
    pub fn detach(&self, work: crate::core::maybe_send::BoxFuture<'static, ()>) {
        self.transport.detach(work);
    }

    /// Sleeps `ms` (a job's poll interval): the caller's signal and deadline interrupt.
    #[cfg(feature = "media")]
    pub async fn pause(&self, ms: f64, ctx: &RequestContext, deadline: Option<f64>) -> Result<()> {
        race(
            self.clock.sleep(ms),
            &*self.clock,
            &ctx.cancel,
            deadline,
            None,
        )
        .await
        .map_err(|why| self.interrupt_error(why, ctx, "while waiting for the job"))
    }

    /// Walks `run` until an endpoint answers 2xx, recording every failed attempt.
    pub async fn open(
        &self,
        op: &dyn Operation,
        ctx: &RequestContext,
        run: &mut FailoverRun,
        deadline: Option<f64>,
    ) -> Result<Opened> {
        self.check_open()?;
        #[cfg(feature = "platform")]
        self.check_call_hedge(ctx)?;
        'endpoints: while let Some((i, is_retry)) = run.next() {
            if is_retry {
                let wait = self
                    .policy
                    .backoff_ms(run.attempts.len() as u32, self.pool.random());
                if let Err(e) = self.wait(wait, ctx, deadline).await {
                    run.last_error = Some(e);
                    break;
                }
            }
            // 429s waited out on this endpoint (retry: { rateLimited: true }).
            let mut rate_waits = if self.policy.retry_rate_limited {
                self.policy.retries.max(1)
            } else {
                0
            };
            // One immediate retry when the target corrected itself (a Bedrock clock skew).
            #[cfg(feature = "bedrock")]
            let mut retry_at_once = true;
            #[cfg(feature = "platform")]
            let mut i = i;
            loop {
                let attempt_start = self.clock.now_ms();
                #[cfg(not(feature = "platform"))]
                let outcome = self.attempt(i, op, ctx, deadline, CancelToken::new()).await;
                // Which request failed, when it started and whether it was a hedge.
                #[cfg(feature = "platform")]
                let mut sent = hedge::Sent {
                    endpoint: i,
                    started: attempt_start,
                    hedge: false,
                };
                #[cfg(feature = "platform")]
                let outcome = match self.send_budgeted(op, ctx, run, deadline, &mut sent).await {
                    Some(outcome) => outcome,
                    None => break 'endpoints, // the retry budget is empty
                };
                let (e, status) = match outcome {
                    Ok(opened) => return Ok(opened),
                    Err(failed) => failed,
                };
                #[cfg(feature = "platform")]
                let attempt_start = {
                    i = sent.endpoint;
                    sent.started
                };
                let now = self.clock.now_ms();
                let attempt = Attempt {
                    endpoint: self.targets[i].origin().to_string(),
                    status,
                    error_code: Some(e.code),
                    latency_ms: now - attempt_start,
                    skipped: false,
                    #[cfg(feature = "platform")]
                    marks: crate::core::response::Marks::hedge(sent.hedge),
                };
                if e.terminal || e.code == ErrorCode::Aborted || e.code == ErrorCode::InvalidInput {
                    // The caller's abort or deadline, or the caller's own input, says
                    // nothing about the endpoint.
                    self.pool.release_probe(i);
                } else if e.code.is_failover() {
                    self.pool.failure(i, &self.policy, now);
                } else {
                    // 4xx: the endpoint is alive and answering.
                    self.pool.success(i, attempt.latency_ms);
                }
                #[cfg(feature = "bedrock")]
                if retry_at_once && self.targets[i].retry_at_once(&e) {
                    retry_at_once = false;
                    run.attempts.push(attempt);
                    continue;
                }
                if e.code == ErrorCode::RateLimited && rate_waits > 0 {
                    rate_waits -= 1;
                    let wait = e.retry_after_ms.map(|ms| ms as f64).unwrap_or_else(|| {
                        self.policy
                            .backoff_ms(run.attempts.len() as u32, self.pool.random())
                    });
                    let fits = deadline.map_or(true, |d| now + wait < d);
                    if fits {
                        run.attempts.push(attempt);
                        if let Err(err) = self.wait(wait, ctx, deadline).await {
                            run.last_error = Some(err);
                            break 'endpoints;
                        }
                        continue;
                    }
                }
                let stop_now = e.terminal;
                if !run.failed(attempt, e) || stop_now {
                    break 'endpoints;
                }
                continue 'endpoints;
            }
        }
        let e = core::mem::replace(run, FailoverRun::new(Vec::new(), 0, 0)).into_error();
        Err(e)
    }

    /// Sleeps `ms` unless that would pass the deadline; the caller's signal interrupts.
    async fn wait(&self, ms: f64, ctx: &RequestContext, deadline: Option<f64>) -> Result<()> {
        if deadline.is_some_and(|d| self.clock.now_ms() + ms >= d) {
            let mut e = LlmError::timeout(format!(
                "ctx.timeoutMs ({} ms) leaves no time to wait {} ms and retry",
                ctx.timeout_ms.unwrap_or(0.0) as u64,
                ms as u64
            ));
            e.terminal = true;
            return Err(e);
        }
        race(
            self.clock.sleep(ms),
            &*self.clock,
            &ctx.cancel,
            deadline,
            None,
        )
        .await
        .map_err(|why| self.interrupt_error(why, ctx, "while waiting to retry"))
    }

    /// A whole (non-streaming) answer with failover: a body that fails to arrive or parse
    /// counts as the endpoint's failure and moves on like a 5xx would.
    pub async fn complete<T>(
        &self,
        op: &dyn Operation,
        ctx: &RequestContext,
        parse: fn(&dyn Target, &[u8]) -> Result<T>,
    ) -> Result<Served<T>> {
        let started = self.clock.now_ms();
        let deadline = self.deadline(ctx);
        let mut run = self.start_run();
        loop {
            let mut opened = self.open(op, ctx, &mut run, deadline).await?;
            let target = &*self.targets[opened.endpoint];
            let limit = self.policy.limits.max_body_bytes;
            let read = race(
                read_capped(&mut *opened.response.body, limit),
                &*self.clock,
                &ctx.cancel,
                deadline,
                self.policy.idle_timeout_ms,
            )
            .await;
            let result = match read {
                // A parse error quotes the body: quote it scrubbed.
                Ok(Ok(Some(bytes))) => parse(target, &bytes).map_err(|_| {
                    let clean =
                        self.scrub(&String::from_utf8_lossy(&bytes), opened.bearer.as_deref());
                    parse(target, clean.as_bytes()).err().unwrap_or_else(|| {
                        LlmError::parse("the answer is not in the provider's format")
                    })
                }),
                Ok(Ok(None)) => Err(LlmError::too_large("the answer", limit)),
                Ok(Err(TransportError::Connection(why))) => Err(LlmError::new(
                    ErrorCode::Connection,
                    format!("the answer broke off: {why}"),
                )),
                Ok(Err(TransportError::Cancelled)) => Err(LlmError::aborted()),
                Err(why) => {
                    opened.response.body.cancel();
                    opened.token.cancel(ErrorCode::Aborted);
                    Err(self.interrupt_error(why, ctx, "while reading the answer"))
                }
            };
            let now = self.clock.now_ms();
            match result {
                Ok(value) => {
                    self.pool.success(opened.endpoint, opened.ttfb_ms);
                    run.attempts.push(Attempt {
                        endpoint: target.origin().to_string(),
                        status: Some(opened.response.status),
                        error_code: None,
                        latency_ms: now - opened.started_ms,
                        skipped: false,
                        #[cfg(feature = "platform")]
                        marks: crate::core::response::Marks::hedge(opened.hedge),
                    });
                    return Ok(Served {
                        value,
                        endpoint: opened.endpoint,
                        origin: target.origin().to_string(),
                        attempts: run.attempts,
                        latency_ms: now - started,
                    });
                }
                Err(e) => {
                    let e = self.redact(e, opened.bearer.as_deref());
                    if e.code.is_failover() && !e.terminal {
                        self.pool.failure(opened.endpoint, &self.policy, now);
                    } else if e.code == ErrorCode::Aborted || e.terminal {
                        self.pool.release_probe(opened.endpoint);
                    }
                    let attempt = Attempt {
                        endpoint: target.origin().to_string(),
                        status: Some(opened.response.status),
                        error_code: Some(e.code),
                        latency_ms: now - opened.started_ms,
                        skipped: false,
                        #[cfg(feature = "platform")]
                        marks: crate::core::response::Marks::hedge(opened.hedge),
                    };
                    let stop_now = e.terminal;
                    if !run.failed(attempt, e) || stop_now {
                        return Err(run.into_error());
                    }
                }
            }
        }
    }
}

/// A 3xx is never followed: the request carried credentials, and a redirect may point
/// anywhere. The hint names where it pointed, as an origin only.
fn redirect_error(status: u16, response: &HttpResponse) -> LlmError {
    let to = response
        .header("location")
        .map(|l| l.split(['?', '#']).next().unwrap_or(""))
        .and_then(|l| crate::providers::url::parse_base(l, true).ok())
        .map(|b| b.origin);
    LlmError::new(
        ErrorCode::BadRequest,
        format!("HTTP {status}: the endpoint answered with a redirect, which is not followed"),
    )
    .with_status(status)
    .with_hint(match to {
        Some(o) => format!("The endpoint redirects to {o}; configure that URL directly if you trust it (credentials are never sent on a redirect)."),
        None => "The endpoint redirects elsewhere; configure the final URL directly (credentials are never sent on a redirect).".to_string(),
    })
}

/// Reads a whole body, or `None` (download stopped) once it passes `limit` bytes.
async fn read_capped(
    body: &mut dyn BodyReader,
    limit: usize,
) -> core::result::Result<Option<Vec<u8>>, TransportError> {
    let mut out = Vec::new();
    while let Some(chunk) = body.read().await? {
        if out.len() + chunk.len() > limit {
            body.cancel();
            return Ok(None);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Some(out))
}

/// Reads up to `limit` bytes of a body (error pages can be large HTML).
async fn read_limited(
    body: &mut dyn BodyReader,
    limit: usize,
) -> core::result::Result<Vec<u8>, TransportError> {
    let mut out = Vec::new();
    while let Some(chunk) = body.read().await? {
        out.extend_from_slice(&chunk);
        if out.len() >= limit {
            body.cancel();
            break;
        }
    }
    Ok(out)
}
