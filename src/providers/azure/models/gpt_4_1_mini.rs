//! GPT-4.1 mini, the design document's model: `maxTokens` goes out as
//! `max_completion_tokens`, and temperature is not supported, so it is dropped.

use crate::core::error::Result;
use crate::core::params::GenerationParams;
use crate::prelude::*;
use crate::providers::chat_wire::{standard_wire_params, WireParams};
use crate::providers::azure::AzureBase;

pub struct Gpt41Mini {
    pub base: AzureBase,
}

impl Gpt41Mini {
    pub fn transform_parameters(p: &GenerationParams) -> Result<WireParams> {
        let mut wire = standard_wire_params(p);
        if let Some(max) = wire.remove("max_tokens") {
            wire.insert("max_completion_tokens", max);
        }
        wire.remove("temperature");
        Ok(wire)
    }
}

llm_with_own_transforms!(Gpt41Mini);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_tokens_renamed_and_temperature_dropped() {
        let p = GenerationParams {
            max_tokens: Some(50),
            temperature: Some(0.2),
            top_p: Some(0.9),
            ..Default::default()
        };
        let w = Gpt41Mini::transform_parameters(&p).unwrap();
        assert_eq!(w.get("max_completion_tokens"), Some("50"));
        assert!(!w.contains_key("max_tokens") && !w.contains_key("temperature"));
        assert_eq!(w.get("top_p"), Some("0.9"));
    }
}
