//! Azure OpenAI: configuration, the connector, the shared helpers (AzureBaseLLM) and one
//! module per model family with that family's own parameter transforms.

/// Implements the contract (design doc §2) for an Azure model: validation and the shared
/// helpers around the model's own `transform_parameters`. A model whose flow differs writes
/// its own `impl Llm` instead. (Textual scope: the model modules below see it.)
macro_rules! llm_with_own_transforms {
    ($model:ty) => {
        impl $crate::core::llm::Llm for $model {
            fn get_answer(
                &self,
                messages: Vec<$crate::core::message::Message>,
                ctx: $crate::core::context::RequestContext,
                params: $crate::core::params::GenerationParams,
            ) -> $crate::core::maybe_send::BoxFuture<
                'static,
                $crate::core::error::Result<$crate::core::response::LlmResponse>,
            > {
                self.base
                    .answer(messages, ctx, params, Self::transform_parameters)
            }
            fn stream_answer(
                &self,
                messages: Vec<$crate::core::message::Message>,
                ctx: $crate::core::context::RequestContext,
                params: $crate::core::params::GenerationParams,
            ) -> $crate::core::maybe_send::BoxStream<
                'static,
                $crate::core::error::Result<$crate::core::response::ChunkBatch>,
            > {
                self.base
                    .stream(messages, ctx, params, Self::transform_parameters)
            }
        }
    };
}

use crate::prelude::*;


pub mod config;
pub mod connector;
pub mod models;
pub mod stream;

use crate::core::context::RequestContext;
use crate::core::error::Result;
use crate::core::llm::BaseLlm;
use crate::core::maybe_send::{boxed, boxed_stream, BoxFuture, BoxStream};
use crate::core::message::Message;
use crate::core::params::GenerationParams;
use crate::core::params::RawJson;
use crate::core::response::{Attempt, ChunkBatch, LlmResponse};
use alloc::sync::Arc;
use crate::providers::chat_wire::WireParams;
use crate::providers::chat_wire::{build_azure_payload, parse_response};
use connector::AzureConnector;
use stream::AzureStream;

/// What a model asks for when a stream that already showed text resumes elsewhere.
pub const CONTINUE_PROMPT: &str = "Your previous answer was cut off. Continue it exactly where it stopped, without repeating anything.";

/// Turns validated, merged params into the model's wire parameters.
pub type Transform = fn(&GenerationParams) -> Result<WireParams>;

/// The AzureBaseLLM helpers bound to one model's metadata and connector.
pub struct AzureBase {
    pub helpers: BaseLlm,
    pub connector: Arc<AzureConnector>,
}

impl AzureBase {
    /// The checks every Azure model runs first, in the design doc's order.
    fn prepare(
        &self,
        messages: &[Message],
        params: &GenerationParams,
        transform: Transform,
    ) -> Result<(WireParams, Option<Vec<(String, RawJson)>>)> {
        self.helpers.check_text_output_support()?;
        self.connector.check_open()?;
        self.helpers.validate_messages(messages)?;
        params.validate()?;
        let merged = self.helpers.merge_parameters(params);
        self.helpers
            .validate_token_limits(messages, merged.max_tokens)?;
        Ok((transform(&merged)?, merged.extra.clone()))
    }

    /// A whole answer: payload, request with failover, parse.
    pub fn answer(
        &self,
        messages: Vec<Message>,
        ctx: RequestContext,
        params: GenerationParams,
        transform: Transform,
    ) -> BoxFuture<'static, Result<LlmResponse>> {
        let prepared = self
            .prepare(&messages, &params, transform)
            .and_then(|(wire, extra)| {
                build_azure_payload(&messages, &wire, extra.as_deref(), false)
            });
        let conn = self.connector.clone();
        boxed(async move {
            let body = prepared?;
            complete(&conn, &body, &ctx).await
        })
    }

    /// A streamed answer, one batch per network read.
    pub fn stream(
        &self,
        messages: Vec<Message>,
        ctx: RequestContext,
        params: GenerationParams,
        transform: Transform,
    ) -> BoxStream<'static, Result<ChunkBatch>> {
        let prepared = self.prepare(&messages, &params, transform);
        let (wire, extra) = match prepared {
            Ok(x) => x,
            Err(e) => return boxed_stream(futures::stream::once(async move { Err(e) })),
        };
        let body = match build_azure_payload(&messages, &wire, extra.as_deref(), true) {
            Ok(b) => b,
            Err(e) => return boxed_stream(futures::stream::once(async move { Err(e) })),
        };
        let continuation: stream::Continuation = Box::new(move |partial: &str| {
            let mut m = messages.clone();
            m.push(Message::assistant(partial));
            m.push(Message::user(CONTINUE_PROMPT));
            build_azure_payload(&m, &wire, extra.as_deref(), true)
        });
        let s = AzureStream::new(self.connector.clone(), ctx, body, Some(continuation));
        boxed_stream(futures::stream::unfold(s, |mut s| async move {
            s.next_batch().await.map(|item| (item, s))
        }))
    }
}

/// Non-streaming request with failover: a body that fails to arrive or parse counts as the
/// endpoint's failure and moves on like a 5xx would.
async fn complete(conn: &AzureConnector, body: &str, ctx: &RequestContext) -> Result<LlmResponse> {
    let started = conn.clock.now_ms();
    let deadline = conn.deadline(ctx);
    let mut run = conn.start_run();
    loop {
        let mut opened = conn.open(body, ctx, &mut run, deadline).await?;
        let origin = conn.endpoint(opened.endpoint).origin.clone();
        let read = crate::resilience::race(
            crate::transport::read_all(&mut *opened.response.body),
            &*conn.clock,
            &ctx.cancel,
            deadline,
            conn.policy.idle_timeout_ms,
        )
        .await;
        let result = match read {
            Ok(Ok(bytes)) => parse_response(&bytes),
            Ok(Err(crate::transport::TransportError::Connection(why))) => {
                Err(crate::core::error::LlmError::new(
                    crate::core::error::ErrorCode::Connection,
                    format!("the answer broke off: {why}"),
                ))
            }
            Ok(Err(crate::transport::TransportError::Cancelled)) => {
                Err(crate::core::error::LlmError::aborted())
            }
            Err(why) => {
                opened.response.body.cancel();
                opened.token.cancel(crate::core::error::ErrorCode::Aborted);
                Err(conn.interrupt_error(why, ctx, "while reading the answer"))
            }
        };
        let now = conn.clock.now_ms();
        match result {
            Ok(p) => {
                conn.pool.success(opened.endpoint, opened.ttfb_ms);
                run.attempts.push(Attempt {
                    endpoint: origin.clone(),
                    status: Some(opened.response.status),
                    error_code: None,
                    latency_ms: now - opened.started_ms,
                });
                return Ok(LlmResponse {
                    content: p.content,
                    finish_reason: p.finish_reason,
                    tool_calls: p.tool_calls,
                    usage: p.usage,
                    model: p.model,
                    latency_ms: now - started,
                    endpoint: origin,
                    attempts: run.attempts,
                });
            }
            Err(e) => {
                if e.code.is_failover() && !e.terminal {
                    conn.pool.failure(opened.endpoint, &conn.policy, now);
                }
                let attempt = Attempt {
                    endpoint: origin,
                    status: Some(opened.response.status),
                    error_code: Some(e.code),
                    latency_ms: now - opened.started_ms,
                };
                let stop_now = e.terminal;
                if !run.failed(attempt, e) || stop_now {
                    return Err(run.into_error());
                }
            }
        }
    }
}
