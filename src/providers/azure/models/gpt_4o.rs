//! GPT-4o and GPT-4o mini: standard chat parameters; reasoning effort does not apply and
//! is left out rather than sent to a model that would reject it.

use crate::core::error::Result;
use crate::core::params::GenerationParams;
use crate::prelude::*;
use crate::providers::chat_wire::{standard_wire_params, WireParams};
use crate::providers::azure::AzureBase;

pub struct Gpt4o {
    pub base: AzureBase,
}

impl Gpt4o {
    pub fn transform_parameters(p: &GenerationParams) -> Result<WireParams> {
        Ok(standard_wire_params(p))
    }
}

llm_with_own_transforms!(Gpt4o);
