//! The o-series reasoning models (o3-mini, o4-mini): `max_completion_tokens` (reasoning
//! tokens count against it), no temperature, top_p or penalties, and `reasoning_effort`.
//! They need api-version 2024-12-01-preview or later, their default here.

use crate::core::error::{LlmError, Result};
use crate::core::params::GenerationParams;
use crate::prelude::*;
use crate::providers::chat_wire::{standard_wire_params, WireParams};
use crate::providers::azure::AzureBase;

pub const API_VERSION: &str = "2024-12-01-preview";

pub struct OSeries {
    pub base: AzureBase,
}

impl OSeries {
    pub fn transform_parameters(p: &GenerationParams) -> Result<WireParams> {
        let mut wire = standard_wire_params(p);
        if let Some(max) = wire.remove("max_tokens") {
            wire.insert("max_completion_tokens", max);
        }
        for k in [
            "temperature",
            "top_p",
            "presence_penalty",
            "frequency_penalty",
        ] {
            wire.remove(k);
        }
        if let Some(e) = &p.reasoning_effort {
            if e == "minimal" {
                return Err(LlmError::invalid_input(
                    "reasoningEffort \"minimal\" is not offered by o3-mini or o4-mini",
                    "Use \"low\", \"medium\" or \"high\".",
                ));
            }
            wire.insert("reasoning_effort", format!("\"{e}\""));
        }
        Ok(wire)
    }
}

llm_with_own_transforms!(OSeries);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasoning_transform() {
        let p = GenerationParams {
            max_tokens: Some(500),
            temperature: Some(1.0),
            top_p: Some(0.5),
            presence_penalty: Some(0.1),
            reasoning_effort: Some("high".into()),
            ..Default::default()
        };
        let w = OSeries::transform_parameters(&p).unwrap();
        assert_eq!(w.get("max_completion_tokens"), Some("500"));
        assert_eq!(w.get("reasoning_effort"), Some("\"high\""));
        for k in ["max_tokens", "temperature", "top_p", "presence_penalty"] {
            assert!(!w.contains_key(k), "{k}");
        }
        let p = GenerationParams {
            reasoning_effort: Some("minimal".into()),
            ..Default::default()
        };
        assert_eq!(
            OSeries::transform_parameters(&p).unwrap_err().code.as_str(),
            "invalid_input"
        );
    }
}
