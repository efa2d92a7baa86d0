//! The AzureBaseLLM helpers (design doc §2): building the payload, parsing answers and
//! stream chunks, mapping finish reasons and errors. Models call these; they never
//! decide model-specific parameters, which live with each model.

use crate::core::error::{ErrorCode, LlmError, Result};
use crate::core::message::{FunctionCall, Message, ToolCall};
use crate::core::params::GenerationParams;
use crate::core::response::{ChunkBatch, ChunkMark, FinishReason, ToolCallDelta, Usage};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// The library's parameter names mapped to Azure's wire names, before any model transform.
pub fn standard_wire_params(p: &GenerationParams) -> Map<String, Value> {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    };
    put("max_tokens", p.max_tokens.map(Value::from));
    put("temperature", p.temperature.map(Value::from));
    put("top_p", p.top_p.map(Value::from));
    put("stop", p.stop.clone());
    put("seed", p.seed.map(Value::from));
    put("presence_penalty", p.presence_penalty.map(Value::from));
    put("frequency_penalty", p.frequency_penalty.map(Value::from));
    put("tools", p.tools.clone());
    put("tool_choice", p.tool_choice.clone());
    put("response_format", p.response_format.clone());
    put("user", p.user.clone().map(Value::from));
    m
}

/// `extra` goes in last and as-is: it is the escape hatch past every transform.
pub fn build_azure_payload(
    messages: &[Message],
    mut wire: Map<String, Value>,
    extra: Option<&Map<String, Value>>,
    stream: bool,
) -> Result<String> {
    let msgs = serde_json::to_value(messages)
        .map_err(|e| LlmError::invalid_input(format!("messages: {e}"), "Check the messages."))?;
    let mut body = Map::new();
    body.insert("messages".into(), msgs);
    body.append(&mut wire);
    if stream {
        body.insert("stream".into(), Value::Bool(true));
        // Ask for the usage chunk; Azure sends it last, with empty choices.
        body.insert(
            "stream_options".into(),
            serde_json::json!({ "include_usage": true }),
        );
    }
    if let Some(extra) = extra {
        for (k, v) in extra {
            body.insert(k.clone(), v.clone());
        }
    }
    serde_json::to_string(&Value::Object(body))
        .map_err(|e| LlmError::invalid_input(format!("payload: {e}"), "Check params.extra."))
}

pub fn map_finish_reason(s: &str) -> FinishReason {
    match s {
        "stop" | "end_turn" => FinishReason::Stop,
        "length" => FinishReason::Length,
        "content_filter" => FinishReason::ContentFilter,
        "tool_calls" | "function_call" => FinishReason::ToolCalls,
        _ => FinishReason::Unknown,
    }
}

// ---- wire model: borrowed, reading only what the library needs; everything else is skipped.

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    #[serde(default)]
    total_tokens: u64,
}

impl From<WireUsage> for Usage {
    fn from(u: WireUsage) -> Usage {
        Usage {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
            total_tokens: u.total_tokens,
        }
    }
}

#[derive(Deserialize)]
struct WireError<'a> {
    #[serde(default, borrow)]
    code: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    message: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct WireFunctionDelta<'a> {
    #[serde(default, borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    arguments: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct WireToolCallDelta<'a> {
    #[serde(default)]
    index: u32,
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    function: Option<WireFunctionDelta<'a>>,
}

#[derive(Deserialize)]
struct WireDelta<'a> {
    #[serde(default, borrow)]
    content: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    tool_calls: Option<Vec<WireToolCallDelta<'a>>>,
}

#[derive(Deserialize)]
struct WireChunkChoice<'a> {
    #[serde(default)]
    index: u32,
    #[serde(default, borrow)]
    delta: Option<WireDelta<'a>>,
    #[serde(default, borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct WireChunk<'a> {
    #[serde(default, borrow)]
    choices: Vec<WireChunkChoice<'a>>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default, borrow)]
    error: Option<WireError<'a>>,
}

/// What one SSE event meant.
#[derive(Debug)]
pub enum StreamEvent {
    /// Appended to the batch (or skipped when it carried nothing: filter annotations, role-only).
    Chunk,
    Done,
}

/// Parses one Azure stream event into `batch`. Only choice 0 is read (n = 1).
pub fn parse_stream_event(data: &str, batch: &mut ChunkBatch) -> Result<StreamEvent> {
    if data == "[DONE]" {
        return Ok(StreamEvent::Done);
    }
    let chunk: WireChunk = serde_json::from_str(data).map_err(|e| {
        LlmError::parse(format!(
            "a stream event is not a chat completion chunk ({e}): {}",
            snippet(data)
        ))
    })?;
    if let Some(err) = chunk.error {
        let code = err.code.as_deref().unwrap_or("");
        let ec = if code == "content_filter" {
            ErrorCode::ContentFilter
        } else {
            ErrorCode::ServiceUnavailable
        };
        let mut e = LlmError::new(
            ec,
            format!(
                "the stream reported an error: {}",
                err.message.as_deref().unwrap_or(code)
            ),
        );
        e.provider_code = Some(code.to_string()).filter(|c| !c.is_empty());
        return Err(e);
    }
    let mut mark = ChunkMark {
        usage: chunk.usage.map(Usage::from),
        ..Default::default()
    };
    if let Some(choice) = chunk.choices.into_iter().find(|c| c.index == 0) {
        if let Some(fr) = &choice.finish_reason {
            mark.finish_reason = Some(map_finish_reason(fr));
        }
        if let Some(delta) = choice.delta {
            if let Some(calls) = delta.tool_calls {
                mark.tool_call_deltas = calls
                    .into_iter()
                    .map(|c| {
                        let (name, arguments) = match c.function {
                            Some(f) => (
                                f.name.map(Cow::into_owned),
                                f.arguments.map(Cow::into_owned),
                            ),
                            None => (None, None),
                        };
                        ToolCallDelta {
                            index: c.index,
                            id: c.id.map(Cow::into_owned),
                            name,
                            arguments,
                        }
                    })
                    .collect();
            }
            if let Some(content) = delta.content {
                // Borrowed unless the JSON string had escapes; pushed straight into the batch.
                if !content.is_empty() || mark.has_meta() {
                    batch.push(&content, mark);
                    return Ok(StreamEvent::Chunk);
                }
            }
        }
    }
    if mark.has_meta() {
        batch.push("", mark);
    }
    Ok(StreamEvent::Chunk)
}

// ---- non-streaming answers

#[derive(Deserialize)]
struct WireFunction {
    #[serde(default)]
    name: String,
    #[serde(default)]
    arguments: String,
}

#[derive(Deserialize)]
struct WireToolCall {
    #[serde(default)]
    id: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    function: WireFunction,
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<WireToolCall>>,
}

#[derive(Deserialize)]
struct WireChoice {
    #[serde(default)]
    index: u32,
    message: Option<WireMessage>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireResponse {
    #[serde(default)]
    choices: Vec<WireChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    model: String,
}

/// The parts of an answer that come from the body; the caller adds timing and attempts.
#[derive(Debug, PartialEq)]
pub struct ParsedAnswer {
    pub content: String,
    pub finish_reason: FinishReason,
    pub tool_calls: Option<Vec<ToolCall>>,
    pub usage: Option<Usage>,
    pub model: String,
}

pub fn parse_response(body: &[u8]) -> Result<ParsedAnswer> {
    let r: WireResponse = serde_json::from_slice(body).map_err(|e| {
        LlmError::parse(format!(
            "the answer is not a chat completion ({e}): {}",
            snippet(&String::from_utf8_lossy(body))
        ))
    })?;
    let choice = r
        .choices
        .into_iter()
        .find(|c| c.index == 0)
        .ok_or_else(|| LlmError::parse("the answer has no choices"))?;
    let msg = choice
        .message
        .ok_or_else(|| LlmError::parse("the answer's choice has no message"))?;
    let tool_calls = msg.tool_calls.filter(|c| !c.is_empty()).map(|calls| {
        calls
            .into_iter()
            .map(|c| ToolCall {
                id: c.id,
                kind: c.kind.unwrap_or_else(|| "function".into()),
                function: FunctionCall {
                    name: c.function.name,
                    arguments: c.function.arguments,
                },
            })
            .collect()
    });
    Ok(ParsedAnswer {
        content: msg.content.or(msg.refusal).unwrap_or_default(),
        finish_reason: choice
            .finish_reason
            .as_deref()
            .map_or(FinishReason::Unknown, map_finish_reason),
        tool_calls,
        usage: r.usage.map(Usage::from),
        model: r.model,
    })
}

// ---- errors

/// The first 200 characters of a body, for error messages.
pub fn snippet(s: &str) -> String {
    let t: String = s.chars().take(200).collect();
    if t.len() < s.len() {
        format!("{t}…")
    } else {
        t
    }
}

/// Reads Azure's retry hints: retry-after-ms, x-ms-retry-after-ms, then Retry-After in
/// seconds or as an HTTP date (relative to `now_epoch_ms` when given).
pub fn retry_after_ms(headers: &[(String, String)], now_epoch_ms: Option<f64>) -> Option<u64> {
    let get = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.trim())
    };
    for name in ["retry-after-ms", "x-ms-retry-after-ms"] {
        if let Some(v) = get(name).and_then(|v| v.parse::<f64>().ok()) {
            if v.is_finite() && v >= 0.0 {
                return Some(v as u64);
            }
        }
    }
    let v = get("retry-after")?;
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0) as u64);
    }
    let at = crate::core::httpdate::parse_http_date_ms(v)?;
    let now = now_epoch_ms?;
    Some((at - now).max(0.0) as u64)
}

/// Maps an HTTP error answer to the contract's codes, with Azure's own message and a hint.
pub fn error_from_response(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    now_epoch_ms: Option<f64>,
) -> LlmError {
    #[derive(Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        error: Option<WireErrorFull<'a>>,
    }
    #[derive(Deserialize)]
    struct WireErrorFull<'a> {
        #[serde(default)]
        code: Option<Value>,
        #[serde(default, borrow)]
        message: Option<Cow<'a, str>>,
        #[serde(default, borrow)]
        param: Option<Cow<'a, str>>,
    }
    let parsed = serde_json::from_slice::<Envelope>(body)
        .ok()
        .and_then(|e| e.error);
    let provider_code = parsed.as_ref().and_then(|e| match &e.code {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    });
    let provider_msg = match &parsed {
        Some(e) => e.message.as_deref().unwrap_or("").to_string(),
        None => snippet(&String::from_utf8_lossy(body)),
    };
    let param = parsed
        .as_ref()
        .and_then(|e| e.param.as_deref().map(str::to_string));
    let is_filter = provider_code.as_deref() == Some("content_filter");
    let (code, hint): (ErrorCode, String) = match status {
        400 if is_filter => (ErrorCode::ContentFilter, "Azure's content filter refused the prompt; rephrase it or review the deployment's content filter policy.".into()),
        401 => (ErrorCode::Authentication, "Check apiKey (or getToken) for this endpoint; Azure keys are per resource.".into()),
        403 => (ErrorCode::PermissionDenied, "The credentials are valid but lack access to this resource or deployment (check role assignments or network rules).".into()),
        404 => (ErrorCode::NotFound, "Check deploymentName and apiVersion: the deployment must exist on this resource and the version must be one Azure offers.".into()),
        408 => (ErrorCode::Timeout, "The service timed out; retry, raise timeoutMs or add a backup endpoint.".into()),
        429 => (ErrorCode::RateLimited, "The deployment's quota is spent; wait retryAfterMs, lower request rate, or raise the quota. Failing over would not help: quota is per deployment.".into()),
        400..=499 => (
            ErrorCode::BadRequest,
            match &param {
                Some(p) => format!("Azure rejected the parameter '{p}'; the model's transforms or params.extra may need adjusting."),
                None => "Azure rejected the request; the message says why.".into(),
            },
        ),
        _ => (ErrorCode::ServiceUnavailable, "The endpoint failed; configure backups to fail over, or retry later.".into()),
    };
    let message = if provider_msg.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {provider_msg}")
    };
    let mut e = LlmError::new(code, message)
        .with_hint(hint)
        .with_status(status);
    e.provider_code = provider_code;
    if status == 429 || status == 503 {
        e.retry_after_ms = retry_after_ms(headers, now_epoch_ms);
        if status == 429 && e.retry_after_ms.is_none() {
            // Browsers only see headers the server exposes through CORS, and Azure does not
            // expose Retry-After: say so rather than guess a number.
            e.hint = Some("The deployment's quota is spent and the answer carried no readable Retry-After (in a browser, CORS hides it): wait a few seconds and back off exponentially, lower the request rate, or raise the quota.".into());
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_event_shapes() {
        let mut b = ChunkBatch::default();
        parse_stream_event(r#"{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[]}"#, &mut b).unwrap();
        parse_stream_event(r#"{"choices":[{"delta":{"content":"","role":"assistant"},"finish_reason":null,"index":0}]}"#, &mut b).unwrap();
        assert!(
            b.is_empty(),
            "filter results and role-only chunks carry nothing"
        );
        parse_stream_event(
            r#"{"choices":[{"delta":{"content":"Hé\"llo"},"finish_reason":null,"index":0}]}"#,
            &mut b,
        )
        .unwrap();
        parse_stream_event(
            r#"{"choices":[{"delta":{},"finish_reason":"stop","index":0}]}"#,
            &mut b,
        )
        .unwrap();
        parse_stream_event(
            r#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"#,
            &mut b,
        )
        .unwrap();
        let chunks = b.chunks();
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0].delta, "Hé\"llo");
        assert_eq!(chunks[1].finish_reason, Some(FinishReason::Stop));
        assert_eq!(chunks[2].usage.unwrap().total_tokens, 5);
        assert!(matches!(
            parse_stream_event("[DONE]", &mut b),
            Ok(StreamEvent::Done)
        ));
        assert_eq!(
            parse_stream_event("{not json", &mut b).unwrap_err().code,
            ErrorCode::Parse
        );
    }

    #[test]
    fn retry_after_forms() {
        let h = |k: &str, v: &str| vec![(k.to_string(), v.to_string())];
        assert_eq!(
            retry_after_ms(&h("retry-after-ms", "1500"), None),
            Some(1500)
        );
        assert_eq!(retry_after_ms(&h("Retry-After", "5"), None), Some(5000));
        assert_eq!(
            retry_after_ms(
                &h("retry-after", "Wed, 21 Oct 2015 07:28:10 GMT"),
                Some(1445412480000.0)
            ),
            Some(10000)
        );
        assert_eq!(retry_after_ms(&h("retry-after", "soon"), None), None);
    }
}
