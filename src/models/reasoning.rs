//! Reasoning models (o1, o3, o3-mini, o4-mini, gpt-5 and its mini and nano): the answer
//! budget is `max_completion_tokens` (reasoning tokens count against it), sampling
//! parameters are not accepted (dropped and reported), and `reasoning_effort` is sent.
//! Only the gpt-5 family offers "minimal" effort.

use super::Transformed;
use crate::core::error::{LlmError, Result};
use crate::core::params::GenerationParams;
use crate::prelude::*;

/// Wire name → the library's name, for the parameters these models refuse.
const REFUSED: [(&str, &str); 4] = [
    ("temperature", "temperature"),
    ("top_p", "topP"),
    ("presence_penalty", "presencePenalty"),
    ("frequency_penalty", "frequencyPenalty"),
];

pub fn transform(p: &GenerationParams, minimal: bool, model: &str) -> Result<Transformed> {
    let mut wire = crate::providers::chat_wire::standard_wire_params(p);
    let mut dropped = Vec::new();
    if let Some(max) = wire.remove("max_tokens") {
        wire.insert("max_completion_tokens", max);
    }
    for (w, ours) in REFUSED {
        if wire.remove(w).is_some() {
            dropped.push(ours);
        }
    }
    if let Some(e) = &p.reasoning_effort {
        if e == "minimal" && !minimal {
            return Err(LlmError::invalid_input(
                format!("reasoningEffort \"minimal\" is not offered by {model}"),
                "Use \"low\", \"medium\" or \"high\" (\"minimal\" exists for the gpt-5 family only).",
            ));
        }
        let mut v = String::new();
        crate::wire::json::escape_into(&mut v, e);
        wire.insert("reasoning_effort", v);
    }
    Ok(Transformed { wire, dropped })
}

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
        let t = transform(&p, false, "o4-mini").unwrap();
        assert_eq!(t.wire.get("max_completion_tokens"), Some("500"));
        assert_eq!(t.wire.get("reasoning_effort"), Some("\"high\""));
        for k in ["max_tokens", "temperature", "top_p", "presence_penalty"] {
            assert!(!t.wire.contains_key(k), "{k}");
        }
        assert_eq!(t.dropped, vec!["temperature", "topP", "presencePenalty"]);
        let p = GenerationParams {
            reasoning_effort: Some("minimal".into()),
            ..Default::default()
        };
        assert_eq!(
            transform(&p, false, "o3-mini").unwrap_err().code.as_str(),
            "invalid_input"
        );
        assert_eq!(
            transform(&p, true, "gpt-5")
                .unwrap()
                .wire
                .get("reasoning_effort"),
            Some("\"minimal\"")
        );
    }
}
