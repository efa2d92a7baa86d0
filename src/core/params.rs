//! Generation parameters in the library's own (camelCase) names, their checks and merging.
//! Each model maps them to its wire format in its own `transform_parameters`.

use super::error::{LlmError, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenerationParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presence_penalty: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extra: Option<Map<String, Value>>,
}

const KNOWN: &str = "maxTokens, temperature, topP, stop, seed, presencePenalty, frequencyPenalty, tools, toolChoice, responseFormat, reasoningEffort, user, extra";

impl GenerationParams {
    /// Parses params from JSON (`undefined` fields are already gone; `null` means "not set").
    pub fn from_json(json: &str) -> Result<Self> {
        if json.trim().is_empty() || json.trim() == "null" {
            return Ok(Self::default());
        }
        let mut value: Value = serde_json::from_str(json).map_err(|e| {
            LlmError::invalid_input(
                format!("params are not valid JSON: {e}"),
                "Pass an object like { maxTokens: 200 }.",
            )
        })?;
        if let Value::Object(map) = &mut value {
            map.retain(|_, v| !v.is_null());
            // Catch the wire names people paste from Azure docs, with a pointer to ours.
            for (wire, ours) in [
                ("max_tokens", "maxTokens"),
                ("max_completion_tokens", "maxTokens"),
                ("top_p", "topP"),
                ("response_format", "responseFormat"),
                ("tool_choice", "toolChoice"),
                ("reasoning_effort", "reasoningEffort"),
                ("presence_penalty", "presencePenalty"),
                ("frequency_penalty", "frequencyPenalty"),
            ] {
                if map.contains_key(wire) {
                    return Err(LlmError::invalid_input(
                        format!("params.{wire} is a wire name"),
                        format!("Use params.{ours}; each model maps it to what its deployment accepts (or put raw fields in params.extra)."),
                    ));
                }
            }
        } else {
            return Err(LlmError::invalid_input(
                "params must be an object",
                "Pass an object like { maxTokens: 200 }.",
            ));
        }
        let params: GenerationParams = serde_json::from_value(value).map_err(|e| {
            LlmError::invalid_input(
                format!("params: {e}"),
                format!("Known params: {KNOWN}. Raw wire fields go in params.extra."),
            )
        })?;
        params.validate()?;
        Ok(params)
    }

    pub fn validate(&self) -> Result<()> {
        fn range(name: &str, v: Option<f64>, lo: f64, hi: f64) -> Result<()> {
            match v {
                Some(x) if !(lo..=hi).contains(&x) || x.is_nan() => Err(LlmError::invalid_input(
                    format!("params.{name} is {x}, outside {lo}..{hi}"),
                    format!("Give {name} a value between {lo} and {hi}."),
                )),
                _ => Ok(()),
            }
        }
        range("temperature", self.temperature, 0.0, 2.0)?;
        range("topP", self.top_p, 0.0, 1.0)?;
        range("presencePenalty", self.presence_penalty, -2.0, 2.0)?;
        range("frequencyPenalty", self.frequency_penalty, -2.0, 2.0)?;
        if self.max_tokens == Some(0) {
            return Err(LlmError::invalid_input(
                "params.maxTokens is 0",
                "Give maxTokens a positive number, or leave it out.",
            ));
        }
        if let Some(stop) = &self.stop {
            let ok = match stop {
                Value::String(_) => true,
                Value::Array(a) => a.len() <= 4 && a.iter().all(Value::is_string),
                _ => false,
            };
            if !ok {
                return Err(LlmError::invalid_input(
                    "params.stop must be a string or up to 4 strings",
                    "Azure accepts at most 4 stop sequences.",
                ));
            }
        }
        if let Some(e) = &self.reasoning_effort {
            if !matches!(e.as_str(), "minimal" | "low" | "medium" | "high") {
                return Err(LlmError::invalid_input(
                    format!("params.reasoningEffort \"{e}\" is not a level"),
                    "Use \"minimal\", \"low\", \"medium\" or \"high\".",
                ));
            }
        }
        if let Some(tools) = &self.tools {
            let ok = tools.as_array().map_or(false, |a| {
                a.iter().all(|t| {
                    t.get("type").and_then(Value::as_str) == Some("function")
                        && t.get("function")
                            .and_then(|f| f.get("name"))
                            .map_or(false, Value::is_string)
                })
            });
            if !ok {
                return Err(LlmError::invalid_input(
                    "params.tools must be [{ type: \"function\", function: { name, ... } }]",
                    "Each tool needs type \"function\" and a function name.",
                ));
            }
        }
        if let Some(tc) = &self.tool_choice {
            let ok = matches!(tc.as_str(), Some("auto" | "none" | "required"))
                || tc
                    .get("function")
                    .and_then(|f| f.get("name"))
                    .map_or(false, Value::is_string);
            if !ok {
                return Err(LlmError::invalid_input("params.toolChoice is not a valid choice", "Use \"auto\", \"none\", \"required\" or { type: \"function\", function: { name } }."));
            }
        }
        Ok(())
    }

    /// `self` (the defaults) overlaid with `over`; a field `over` leaves unset does not override.
    pub fn merge(&self, over: &GenerationParams) -> GenerationParams {
        macro_rules! pick {
            ($f:ident) => {
                over.$f.clone().or_else(|| self.$f.clone())
            };
        }
        let extra = match (&self.extra, &over.extra) {
            (Some(a), Some(b)) => {
                let mut m = a.clone();
                m.extend(b.clone());
                Some(m)
            }
            (a, b) => b.clone().or_else(|| a.clone()),
        };
        GenerationParams {
            max_tokens: pick!(max_tokens),
            temperature: pick!(temperature),
            top_p: pick!(top_p),
            stop: pick!(stop),
            seed: pick!(seed),
            presence_penalty: pick!(presence_penalty),
            frequency_penalty: pick!(frequency_penalty),
            tools: pick!(tools),
            tool_choice: pick!(tool_choice),
            response_format: pick!(response_format),
            reasoning_effort: pick!(reasoning_effort),
            user: pick!(user),
            extra,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_defaults_where_unset() {
        let d = GenerationParams {
            max_tokens: Some(100),
            temperature: Some(0.5),
            ..Default::default()
        };
        let o = GenerationParams {
            temperature: Some(0.9),
            ..Default::default()
        };
        let m = d.merge(&o);
        assert_eq!(m.max_tokens, Some(100));
        assert_eq!(m.temperature, Some(0.9));
    }

    #[test]
    fn rejects_bad_params_with_a_hint() {
        let e = GenerationParams::from_json(r#"{"temperature":3}"#).unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_input");
        assert!(e.message.contains("temperature"));
        let e = GenerationParams::from_json(r#"{"max_tokens":3}"#).unwrap_err();
        assert!(e.hint.unwrap().contains("maxTokens"));
        let e = GenerationParams::from_json(r#"{"maxTokenz":3}"#).unwrap_err();
        assert!(e.message.contains("maxTokenz"));
        assert!(GenerationParams::from_json(r#"{"maxTokens":null}"#)
            .unwrap()
            .max_tokens
            .is_none());
    }
}
