//! GPT-4.1 and GPT-4.1 nano: the standard chat parameters, sent as they are.
//! (Only the design document's GPT-4.1 mini carries the max_completion_tokens transform.)

use crate::core::error::Result;
use crate::core::params::GenerationParams;
use crate::prelude::*;
use crate::providers::chat_wire::{standard_wire_params, WireParams};
use crate::providers::azure::AzureBase;

pub struct Gpt41 {
    pub base: AzureBase,
}

impl Gpt41 {
    pub fn transform_parameters(p: &GenerationParams) -> Result<WireParams> {
        Ok(standard_wire_params(p))
    }
}

llm_with_own_transforms!(Gpt41);
