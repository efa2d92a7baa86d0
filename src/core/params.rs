//! Generation parameters in the library's own (camelCase) names, their checks and merging.
//! Each model maps them to its wire format in its own `transform_parameters`.

use super::error::{LlmError, Result};
use crate::prelude::*;
use crate::wire::json::{Json, JsonWriter, Kind};

/// JSON text passed through to the wire as it is (tools, stop, response format, extra).
#[derive(Clone, Debug, PartialEq)]
pub struct RawJson(pub String);

#[derive(Clone, Debug, Default, PartialEq)]
pub struct GenerationParams {
    pub max_tokens: Option<u64>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub stop: Option<RawJson>,
    pub seed: Option<i64>,
    pub presence_penalty: Option<f64>,
    pub frequency_penalty: Option<f64>,
    pub tools: Option<RawJson>,
    pub tool_choice: Option<RawJson>,
    pub response_format: Option<RawJson>,
    pub reasoning_effort: Option<String>,
    pub user: Option<String>,
    /// Whether the model may call several tools in one turn (parallel_tool_calls).
    pub parallel_tool_calls: Option<bool>,
    /// Sent as-is after the model's transforms, in order.
    pub extra: Option<Vec<(String, RawJson)>>,
}

const KNOWN: &str = "maxTokens, temperature, topP, stop, seed, presencePenalty, frequencyPenalty, tools, toolChoice, responseFormat, parallelToolCalls, reasoningEffort, user, extra";

/// Wire names people paste from Azure's docs, and ours.
const WIRE_NAMES: [(&str, &str); 9] = [
    ("parallel_tool_calls", "parallelToolCalls"),
    ("max_tokens", "maxTokens"),
    ("max_completion_tokens", "maxTokens"),
    ("top_p", "topP"),
    ("response_format", "responseFormat"),
    ("tool_choice", "toolChoice"),
    ("reasoning_effort", "reasoningEffort"),
    ("presence_penalty", "presencePenalty"),
    ("frequency_penalty", "frequencyPenalty"),
];

impl GenerationParams {
    /// Parses params from JSON (`undefined` fields are already gone; `null` means "not set").
    pub fn from_json(json: &str) -> Result<Self> {
        if json.trim().is_empty() || json.trim() == "null" {
            return Ok(Self::default());
        }
        let mut out = GenerationParams::default();
        let mut problem: Option<LlmError> = None;
        let mut p = Json::new(json);
        if !matches!(p.kind(), Ok(Kind::Object)) {
            return Err(LlmError::invalid_input(
                "params must be an object",
                "Pass an object like { maxTokens: 200 }.",
            ));
        }
        let r = p
            .obj(|p, k| {
                if problem.is_some() || p.null()? {
                    return p.skip().or(Ok(()));
                }
                let wrong_type = |what: &str| LlmError::invalid_input(format!("params.{k} must be {what}"), format!("Known params: {KNOWN}."));
                let kind = p.kind()?;
                let num = |p: &mut Json, slot: &mut Option<f64>, problem: &mut Option<LlmError>| -> crate::wire::json::JResult<()> {
                    if kind == Kind::Number {
                        *slot = Some(p.f64()?);
                    } else {
                        *problem = Some(wrong_type("a number"));
                        p.skip()?;
                    }
                    Ok(())
                };
                match k.as_ref() {
                    "maxTokens" => match (kind, crate::wire::json::parse_u64(p.raw()?)) {
                        (Kind::Number, Some(v)) => out.max_tokens = Some(v),
                        _ => problem = Some(wrong_type("a positive integer")),
                    },
                    "temperature" => num(p, &mut out.temperature, &mut problem)?,
                    "topP" => num(p, &mut out.top_p, &mut problem)?,
                    "presencePenalty" => num(p, &mut out.presence_penalty, &mut problem)?,
                    "frequencyPenalty" => num(p, &mut out.frequency_penalty, &mut problem)?,
                    "seed" => match (kind, crate::wire::json::parse_i64(p.raw()?)) {
                        (Kind::Number, Some(v)) => out.seed = Some(v),
                        _ => problem = Some(wrong_type("an integer")),
                    },
                    "stop" => out.stop = Some(RawJson(p.raw()?.to_string())),
                    "tools" => out.tools = Some(RawJson(p.raw()?.to_string())),
                    "toolChoice" => out.tool_choice = Some(RawJson(p.raw()?.to_string())),
                    "responseFormat" => out.response_format = Some(RawJson(p.raw()?.to_string())),
                    "reasoningEffort" | "user" if kind == Kind::String => {
                        let v = Some(p.str()?.into_owned());
                        if k == "user" {
                            out.user = v;
                        } else {
                            out.reasoning_effort = v;
                        }
                    }
                    "reasoningEffort" | "user" => {
                        problem = Some(wrong_type("a string"));
                        p.skip()?
                    }
                    "parallelToolCalls" if kind == Kind::Bool => out.parallel_tool_calls = Some(p.bool()?),
                    "parallelToolCalls" => {
                        problem = Some(wrong_type("a boolean"));
                        p.skip()?
                    }
                    "extra" if kind == Kind::Object => {
                        let mut extra = Vec::new();
                        p.obj(|p, k| {
                            extra.push((k.into_owned(), RawJson(p.raw()?.to_string())));
                            Ok(())
                        })?;
                        out.extra = Some(extra);
                    }
                    "extra" => {
                        problem = Some(wrong_type("an object of raw wire fields"));
                        p.skip()?
                    }
                    other => {
                        problem = Some(match WIRE_NAMES.iter().find(|(w, _)| *w == other) {
                            Some((wire, ours)) => LlmError::invalid_input(
                                format!("params.{wire} is a wire name"),
                                format!("Use params.{ours}; each model maps it to what its deployment accepts (or put raw fields in params.extra)."),
                            ),
                            None => LlmError::invalid_input(format!("params: unknown field `{other}`"), format!("Known params: {KNOWN}. Raw wire fields go in params.extra.")),
                        });
                        p.skip()?
                    }
                }
                Ok(())
            })
            .and_then(|_| p.end());
        if let Some(e) = problem {
            return Err(e);
        }
        r.map_err(|e| {
            LlmError::invalid_input(
                format!("params are not valid JSON: {e}"),
                "Pass an object like { maxTokens: 200 }.",
            )
        })?;
        out.validate()?;
        Ok(out)
    }

    pub fn validate(&self) -> Result<()> {
        // Integer bounds: formatting an f64 would pull float printing into the wasm.
        fn range(name: &str, v: Option<f64>, lo: i8, hi: i8) -> Result<()> {
            match v {
                Some(x) if !(lo as f64..=hi as f64).contains(&x) => Err(LlmError::invalid_input(
                    format!("params.{name} is outside {lo}..{hi}"),
                    format!("Give {name} a value between {lo} and {hi}."),
                )),
                _ => Ok(()),
            }
        }
        range("temperature", self.temperature, 0, 2)?;
        range("topP", self.top_p, 0, 1)?;
        range("presencePenalty", self.presence_penalty, -2, 2)?;
        range("frequencyPenalty", self.frequency_penalty, -2, 2)?;
        if self.max_tokens == Some(0) {
            return Err(LlmError::invalid_input(
                "params.maxTokens is 0",
                "Give maxTokens a positive number, or leave it out.",
            ));
        }
        if let Some(stop) = &self.stop {
            let mut p = Json::new(&stop.0);
            let ok = match p.kind() {
                Ok(Kind::String) => true,
                Ok(Kind::Array) => {
                    let mut n = 0;
                    let mut all_strings = true;
                    let walked = p.arr(|p, _| {
                        n += 1;
                        all_strings &= p.kind()? == Kind::String;
                        p.skip()
                    });
                    walked.is_ok() && all_strings && n <= 4
                }
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
            let mut p = Json::new(&tools.0);
            let mut ok = matches!(p.kind(), Ok(Kind::Array));
            if ok {
                ok = p
                    .arr(|p, _| {
                        let (t, name) = type_and_function_name(p)?;
                        ok &= t.as_deref() == Some("function") && name.is_some();
                        Ok(())
                    })
                    .is_ok()
                    && ok;
            }
            if !ok {
                return Err(LlmError::invalid_input(
                    "params.tools must be [{ type: \"function\", function: { name, ... } }]",
                    "Each tool needs type \"function\" and a function name.",
                ));
            }
        }
        if let Some(tc) = &self.tool_choice {
            let mut p = Json::new(&tc.0);
            let ok = match p.kind() {
                Ok(Kind::String) => matches!(p.str().as_deref(), Ok("auto" | "none" | "required")),
                Ok(Kind::Object) => matches!(type_and_function_name(&mut p), Ok((_, Some(_)))),
                _ => false,
            };
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
                let mut m: Vec<(String, RawJson)> = a
                    .iter()
                    .filter(|(k, _)| !b.iter().any(|(k2, _)| k2 == k))
                    .cloned()
                    .collect();
                m.extend(b.iter().cloned());
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
            parallel_tool_calls: pick!(parallel_tool_calls),
            extra,
        }
    }

    /// The params in the library's names (what mergeParameters returns to JS).
    pub fn to_json(&self) -> String {
        let mut w = JsonWriter::new();
        w.begin_obj()
            .opt_uint("maxTokens", self.max_tokens)
            .opt_num("temperature", self.temperature)
            .opt_num("topP", self.top_p);
        raw_member(&mut w, "stop", &self.stop);
        if let Some(seed) = self.seed {
            w.key("seed").int(seed);
        }
        w.opt_num("presencePenalty", self.presence_penalty)
            .opt_num("frequencyPenalty", self.frequency_penalty);
        raw_member(&mut w, "tools", &self.tools);
        raw_member(&mut w, "toolChoice", &self.tool_choice);
        raw_member(&mut w, "responseFormat", &self.response_format);
        w.opt_str("reasoningEffort", self.reasoning_effort.as_deref())
            .opt_str("user", self.user.as_deref());
        if let Some(b) = self.parallel_tool_calls {
            w.key("parallelToolCalls").bool(b);
        }
        if let Some(extra) = &self.extra {
            w.key("extra").begin_obj();
            for (k, v) in extra {
                w.key(k).raw(&v.0);
            }
            w.end_obj();
        }
        w.end_obj();
        w.finish()
    }
}

fn raw_member(w: &mut JsonWriter, k: &str, v: &Option<RawJson>) {
    if let Some(v) = v {
        w.key(k).raw(&v.0);
    }
}

/// Reads `{ type, function: { name } }` (a tool or a tool choice).
fn type_and_function_name(
    p: &mut Json,
) -> crate::wire::json::JResult<(Option<String>, Option<String>)> {
    let mut t = None;
    let mut name = None;
    p.obj(|p, k| {
        match k.as_ref() {
            "type" if p.kind()? == Kind::String => t = Some(p.str()?.into_owned()),
            "function" if p.kind()? == Kind::Object => p.obj(|p, k| {
                if k == "name" && p.kind()? == Kind::String {
                    name = Some(p.str()?.into_owned());
                } else {
                    p.skip()?;
                }
                Ok(())
            })?,
            _ => p.skip()?,
        }
        Ok(())
    })?;
    Ok((t, name))
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
