//! GPT-4o and GPT-4o mini: standard chat parameters; reasoning effort does not apply and
//! is left out rather than sent to a model that would reject it.

use crate::core::context::RequestContext;
use crate::core::error::Result;
use crate::core::llm::Llm;
use crate::core::maybe_send::{BoxFuture, BoxStream};
use crate::core::message::Message;
use crate::core::params::GenerationParams;
use crate::core::response::{ChunkBatch, LlmResponse};
use crate::providers::azure::base::{standard_wire_params, WireParams};
use crate::providers::azure::AzureBase;

pub struct Gpt4o {
    pub base: AzureBase,
}

impl Gpt4o {
    pub fn transform_parameters(p: &GenerationParams) -> Result<WireParams> {
        Ok(standard_wire_params(p))
    }
}

impl Llm for Gpt4o {
    fn get_answer(
        &self,
        messages: Vec<Message>,
        ctx: RequestContext,
        params: GenerationParams,
    ) -> BoxFuture<'static, Result<LlmResponse>> {
        self.base
            .answer(messages, ctx, params, Self::transform_parameters)
    }
    fn stream_answer(
        &self,
        messages: Vec<Message>,
        ctx: RequestContext,
        params: GenerationParams,
    ) -> BoxStream<'static, Result<ChunkBatch>> {
        self.base
            .stream(messages, ctx, params, Self::transform_parameters)
    }
}
