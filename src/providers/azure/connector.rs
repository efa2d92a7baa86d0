//! The Azure connector: persistent per-endpoint headers, auth (api-key or bearer token),
//! and requests with failover across the primary and its backups. It speaks through the
//! `Transport` trait, which on wasm is the runtime's own `fetch`.

use crate::providers::chat_wire::error_from_response;
use super::config::{Auth, EndpointSpec};
use crate::core::cancel::CancelToken;
use crate::core::context::RequestContext;
use crate::core::error::{ErrorCode, LlmError, Result};
use crate::core::maybe_send::{BoxFuture, MaybeSend, MaybeSync};
use crate::core::replace_all;
use crate::core::response::Attempt;
use crate::prelude::*;
use crate::resilience::{race, FailoverRun, Interrupt, Policy, Pool};
use crate::transport::{BodyReader, Clock, HttpRequest, HttpResponse, Transport, TransportError};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

/// Entra ID tokens (getToken in JS), asked for on every request so they may refresh.
pub trait TokenProvider: MaybeSend + MaybeSync {
    fn token(&self) -> BoxFuture<'static, core::result::Result<String, String>>;
}

pub struct AzureConnector {
    endpoints: Vec<EndpointSpec>,
    /// Built once per endpoint: content type and api-key (design doc §5).
    headers: Vec<Vec<(String, String)>>,
    tokens: Vec<Arc<dyn TokenProvider>>,
    transport: Arc<dyn Transport>,
    pub clock: Arc<dyn Clock>,
    pub policy: Policy,
    pub pool: Pool,
    closed: AtomicBool,
}

/// A response whose headers said 2xx, and where it came from.
pub struct Opened {
    pub response: HttpResponse,
    pub endpoint: usize,
    pub started_ms: f64,
    pub ttfb_ms: f64,
    pub token: CancelToken,
}

impl AzureConnector {
    pub fn new(
        endpoints: Vec<EndpointSpec>,
        tokens: Vec<Arc<dyn TokenProvider>>,
        transport: Arc<dyn Transport>,
        clock: Arc<dyn Clock>,
        policy: Policy,
    ) -> Result<Self> {
        for e in &endpoints {
            if let Auth::Token(i) = e.auth {
                if i >= tokens.len() {
                    return Err(LlmError::invalid_input(
                        "getToken refers to a missing token provider",
                        "Pass getToken as a function.",
                    ));
                }
            }
        }
        let headers = endpoints
            .iter()
            .map(|e| {
                let mut h = vec![
                    ("content-type".to_string(), "application/json".to_string()),
                    (
                        "accept".to_string(),
                        "application/json, text/event-stream".to_string(),
                    ),
                ];
                if let Auth::ApiKey(k) = &e.auth {
                    h.push(("api-key".to_string(), k.expose().to_string()));
                }
                h
            })
            .collect();
        let seed = (clock.now_ms() * 1000.0) as u64 ^ 0x9E37_79B9_7F4A_7C15;
        let pool = Pool::new(endpoints.iter().map(|e| e.weight).collect(), seed);
        Ok(AzureConnector {
            endpoints,
            headers,
            tokens,
            transport,
            clock,
            policy,
            pool,
            closed: AtomicBool::new(false),
        })
    }

    pub fn endpoint(&self, i: usize) -> &EndpointSpec {
        &self.endpoints[i]
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
        FailoverRun::new(
            self.pool.order(&self.policy, self.clock.now_ms()),
            self.policy.retries,
        )
    }

    pub fn deadline(&self, ctx: &RequestContext) -> Option<f64> {
        ctx.timeout_ms.map(|t| self.clock.now_ms() + t)
    }

    /// Removes every credential this connector knows from an error's text.
    pub fn redact(&self, mut e: LlmError, token: Option<&str>) -> LlmError {
        let mut secrets: Vec<&str> = self
            .endpoints
            .iter()
            .filter_map(|ep| {
                if let Auth::ApiKey(k) = &ep.auth {
                    Some(k.expose())
                } else {
                    None
                }
            })
            .collect();
        if let Some(t) = token {
            secrets.push(t);
        }
        for s in secrets.into_iter().filter(|s| s.len() >= 4) {
            e.message = replace_all(&e.message, s, "[redacted]");
            e.hint = e.hint.map(|h| replace_all(&h, s, "[redacted]"));
        }
        e
    }

    pub fn interrupt_error(&self, why: Interrupt, ctx: &RequestContext, phase: &str) -> LlmError {
        match why {
            Interrupt::Cancelled(ErrorCode::Aborted) | Interrupt::Cancelled(_) => {
                LlmError::aborted()
            }
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

    /// One attempt against endpoint `i`: sends and waits for headers; a non-2xx answer
    /// is read and turned into an error.
    async fn attempt(
        &self,
        i: usize,
        body: &str,
        ctx: &RequestContext,
        deadline: Option<f64>,
    ) -> core::result::Result<Opened, (LlmError, Option<u16>)> {
        let spec = &self.endpoints[i];
        let started_ms = self.clock.now_ms();
        let mut headers = self.headers[i].clone();
        let mut bearer: Option<String> = None;
        if let Auth::Token(t) = spec.auth {
            let tok = race(self.tokens[t].token(), &*self.clock, &ctx.cancel, deadline, self.policy.attempt_timeout_ms)
                .await
                .map_err(|w| (self.interrupt_error(w, ctx, "while getting a token"), None))?
                .map_err(|why| {
                    (LlmError::new(ErrorCode::Authentication, format!("getToken failed: {why}")).with_hint("getToken must return (or resolve to) an Entra ID access token for https://cognitiveservices.azure.com."), None)
                })?;
            headers.push(("authorization".into(), format!("Bearer {tok}")));
            bearer = Some(tok);
        }
        if let Some(id) = &ctx.request_id {
            headers.push(("x-ms-client-request-id".into(), id.clone()));
        }
        let req = HttpRequest {
            method: "POST",
            url: spec.chat_url(),
            headers,
            body: Some(body.to_string()),
        };
        let token = CancelToken::new();
        let sent = race(
            self.transport.send(req, token.clone()),
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
                let e = LlmError::new(ErrorCode::Connection, format!("could not reach {}: {why}", spec.origin))
                    .with_hint("Check the endpoint URL and network; in a browser, a CORS or mixed-content block also shows up this way.");
                return Err((self.redact(e, bearer.as_deref()), None));
            }
            Ok(Ok(r)) => r,
        };
        let ttfb_ms = self.clock.now_ms() - started_ms;
        if (200..300).contains(&response.status) {
            return Ok(Opened {
                response,
                endpoint: i,
                started_ms,
                ttfb_ms,
                token,
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
        let e = error_from_response(status, &response.headers, &body, self.clock.epoch_ms());
        Err((self.redact(e, bearer.as_deref()), Some(status)))
    }

    /// Walks `run` until an endpoint answers 2xx, recording every failed attempt.
    pub async fn open(
        &self,
        body: &str,
        ctx: &RequestContext,
        run: &mut FailoverRun,
        deadline: Option<f64>,
    ) -> Result<Opened> {
        self.check_open()?;
        while let Some((i, is_retry)) = run.next() {
            if is_retry {
                let wait = self
                    .policy
                    .backoff_ms(run.attempts.len() as u32, self.pool.random());
                let fits = deadline.map_or(true, |d| self.clock.now_ms() + wait < d);
                if !fits {
                    break;
                }
                if let Err(why) = race(
                    self.clock.sleep(wait),
                    &*self.clock,
                    &ctx.cancel,
                    deadline,
                    None,
                )
                .await
                {
                    run.last_error = Some(self.interrupt_error(why, ctx, "while waiting to retry"));
                    break;
                }
            }
            let attempt_start = self.clock.now_ms();
            match self.attempt(i, body, ctx, deadline).await {
                Ok(opened) => return Ok(opened),
                Err((e, status)) => {
                    let now = self.clock.now_ms();
                    let attempt = Attempt {
                        endpoint: self.endpoints[i].origin.clone(),
                        status,
                        error_code: Some(e.code),
                        latency_ms: now - attempt_start,
                    };
                    if e.terminal {
                        // The caller's abort or deadline says nothing about the endpoint.
                        self.pool.release_probe(i);
                    } else if e.code.is_failover() {
                        self.pool.failure(i, &self.policy, now);
                    } else {
                        // 4xx: the endpoint is alive and answering.
                        self.pool.success(i, attempt.latency_ms);
                    }
                    let stop_now = e.terminal;
                    if !run.failed(attempt, e) || stop_now {
                        break;
                    }
                }
            }
        }
        let e = core::mem::replace(run, FailoverRun::new(Vec::new(), 0)).into_error();
        Err(e)
    }
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
