//! The OpenAI chat-completions wire format, which Azure OpenAI and every OpenAI-compatible
//! server share: building the payload, parsing answers and stream chunks, mapping finish
//! reasons and error bodies. Model rules (which parameters a model takes) live elsewhere.

use crate::core::error::{ErrorCode, LlmError, Result};
use crate::core::message::write_messages;
use crate::core::message::{FunctionCall, Message, ToolCall};
use crate::core::params::GenerationParams;
use crate::core::params::RawJson;
use crate::core::response::{ChunkBatch, ChunkMark, FinishReason, ToolCallDelta, Usage};
use crate::prelude::*;
use crate::wire::json::{
    escape_into, parse_f64, write_f64, write_u64, JResult, Json, JsonError, JsonWriter, Kind,
};
use alloc::borrow::Cow;

/// Wire parameters in order: name → JSON text. Model transforms rename and drop entries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WireParams(pub Vec<(String, String)>);

impl WireParams {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }
    pub fn remove(&mut self, k: &str) -> Option<String> {
        let i = self.0.iter().position(|(n, _)| n == k)?;
        Some(self.0.remove(i).1)
    }
    pub fn insert(&mut self, k: &str, json: String) {
        self.remove(k);
        self.0.push((k.to_string(), json));
    }
    pub fn contains_key(&self, k: &str) -> bool {
        self.get(k).is_some()
    }
}

/// The library's parameter names mapped to Azure's wire names, before any model transform.
pub fn standard_wire_params(p: &GenerationParams) -> WireParams {
    let mut m = WireParams::default();
    let num = |v: f64| {
        let mut s = String::new();
        write_f64(&mut s, v);
        s
    };
    let uint = |v: u64| {
        let mut s = String::new();
        write_u64(&mut s, v);
        s
    };
    let text = |v: &str| {
        let mut s = String::new();
        escape_into(&mut s, v);
        s
    };
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            m.0.push((k.to_string(), v));
        }
    };
    put("max_tokens", p.max_tokens.map(uint));
    put("temperature", p.temperature.map(num));
    put("top_p", p.top_p.map(num));
    put("stop", p.stop.as_ref().map(|r| r.0.clone()));
    put(
        "seed",
        p.seed.map(|s| {
            if s < 0 {
                format!("-{}", uint(s.unsigned_abs()))
            } else {
                uint(s as u64)
            }
        }),
    );
    put("presence_penalty", p.presence_penalty.map(num));
    put("frequency_penalty", p.frequency_penalty.map(num));
    put("tools", p.tools.as_ref().map(|r| r.0.clone()));
    put("tool_choice", p.tool_choice.as_ref().map(|r| r.0.clone()));
    put(
        "response_format",
        p.response_format.as_ref().map(|r| r.0.clone()),
    );
    put("user", p.user.as_deref().map(text));
    put(
        "parallel_tool_calls",
        p.parallel_tool_calls
            .map(|b| if b { "true" } else { "false" }.to_string()),
    );
    m
}

/// The request body. `model` is the body's model field, for endpoints whose URL does not
/// name the model (OpenAI, Azure's v1 API). `extra` goes in last and as-is: it is the escape
/// hatch past every transform.
pub fn build_chat_payload(
    messages: &[Message],
    wire: &WireParams,
    extra: Option<&[(String, RawJson)]>,
    stream: bool,
    model: Option<&str>,
) -> Result<String> {
    let mut w = JsonWriter::new();
    w.begin_obj();
    let extra_ref = extra.unwrap_or(&[]);
    if let Some(m) = model.filter(|_| !extra_ref.iter().any(|(k, _)| k == "model")) {
        w.key("model").str(m);
    }
    w.key("messages");
    write_messages(&mut w, messages);
    let extra = extra.unwrap_or(&[]);
    let overridden = |k: &str| extra.iter().any(|(e, _)| e == k);
    for (k, v) in &wire.0 {
        if !overridden(k) {
            w.key(k).raw(v);
        }
    }
    if stream {
        if !overridden("stream") {
            w.key("stream").bool(true);
        }
        // Ask for the usage chunk; Azure sends it last, with empty choices.
        if !overridden("stream_options") {
            w.key("stream_options").raw("{\"include_usage\":true}");
        }
    }
    for (k, v) in extra {
        w.key(k).raw(&v.0);
    }
    w.end_obj();
    Ok(w.finish())
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

// ---- reading Azure's answers: a pull parser that reads only what the library needs
// (content, tool-call deltas, finish reason, usage, errors) and skips everything else
// (content-filter results, logprobs, ids) without building it.

fn bad_json(what: &str, e: JsonError, text: &str) -> LlmError {
    LlmError::parse(format!("{what} ({e}): {}", snippet(text)))
}

/// Usage as servers send it: a count that is missing, null, fractional or not a number is
/// left at 0 rather than failing an answer that was delivered.
fn read_usage(p: &mut Json) -> JResult<Option<Usage>> {
    if p.kind()? != Kind::Object {
        p.skip()?;
        return Ok(None);
    }
    let mut u = Usage::default();
    let count = |p: &mut Json| -> JResult<Option<u64>> {
        if p.kind()? == Kind::Number {
            Ok(crate::wire::json::parse_u64(p.raw()?.trim()))
        } else {
            p.skip().map(|_| None)
        }
    };
    // {"cached_tokens": n} in prompt_tokens_details, {"reasoning_tokens": n} in
    // completion_tokens_details (OpenAI, Azure; LiteLLM and vLLM pass them through).
    let detail = |p: &mut Json, name: &str| -> JResult<Option<u64>> {
        let mut found = None;
        if p.kind()? != Kind::Object {
            p.skip()?;
            return Ok(None);
        }
        p.obj(|p, k| {
            if k == name {
                found = count(p)?;
                Ok(())
            } else {
                p.skip()
            }
        })?;
        Ok(found)
    };
    p.obj(|p, k| {
        match k.as_ref() {
            "prompt_tokens" => u.prompt_tokens = count(p)?.unwrap_or(0),
            "completion_tokens" => u.completion_tokens = count(p)?.unwrap_or(0),
            "total_tokens" => u.total_tokens = count(p)?.unwrap_or(0),
            "prompt_tokens_details" => u.cached_input_tokens = detail(p, "cached_tokens")?,
            "completion_tokens_details" => u.reasoning_tokens = detail(p, "reasoning_tokens")?,
            _ => p.skip()?,
        }
        Ok(())
    })?;
    if u.total_tokens == 0 {
        u.total_tokens = u.prompt_tokens + u.completion_tokens;
    }
    Ok(Some(u))
}

/// Azure's `{"error": {"code", "message", "param"}}`; `code` may be a string or a number.
#[derive(Default)]
struct WireError {
    code: Option<String>,
    message: Option<String>,
    param: Option<String>,
}

fn read_error(p: &mut Json) -> JResult<WireError> {
    let mut e = WireError::default();
    if p.null()? {
        return Ok(e);
    }
    p.obj(|p, k| {
        let field = match k.as_ref() {
            "code" => &mut e.code,
            "message" => &mut e.message,
            "param" => &mut e.param,
            _ => return p.skip(),
        };
        *field = match p.kind()? {
            Kind::String => Some(p.str()?.into_owned()),
            Kind::Number => Some(p.raw()?.trim().to_string()),
            _ => {
                p.skip()?;
                None
            }
        };
        Ok(())
    })?;
    Ok(e)
}

fn opt_str<'a>(p: &mut Json<'a>) -> JResult<Option<Cow<'a, str>>> {
    if p.null()? {
        Ok(None)
    } else {
        p.str().map(Some)
    }
}

pub use crate::engine::stream::StreamEvent;

/// Parses one chat stream event into `batch`. Only choice 0 is read (n = 1).
pub fn parse_stream_event(data: &str, batch: &mut ChunkBatch) -> Result<StreamEvent> {
    let trimmed = data.trim();
    if trimmed == "[DONE]" {
        return Ok(StreamEvent::Done);
    }
    if trimmed.is_empty() {
        return Ok(StreamEvent::Chunk); // an empty data: line carries nothing
    }
    let mut mark = ChunkMark::default();
    let mut content: Option<Cow<str>> = None;
    let mut reasoning: Option<Cow<str>> = None;
    let mut error: Option<WireError> = None;
    let mut p = Json::new(data);
    let parsed = p
        .obj(|p, k| {
            match k.as_ref() {
                "choices" if p.kind()? != Kind::Null => p.arr(|p, _| {
                    let mut index = 0u64;
                    let mut c: Option<Cow<str>> = None;
                    let mut r: Option<Cow<str>> = None;
                    let mut finish: Option<Cow<str>> = None;
                    let mut calls: Vec<ToolCallDelta> = Vec::new();
                    p.obj(|p, k| {
                        match k.as_ref() {
                            "index" => index = p.u64()?,
                            "finish_reason" => finish = opt_str(p)?,
                            "delta" if p.kind()? != Kind::Null => p.obj(|p, k| {
                                match k.as_ref() {
                                    "content" => c = opt_str(p)?,
                                    // llama.cpp, vLLM, DeepSeek: reasoning_content; Ollama, OpenRouter: reasoning.
                                    "reasoning_content" | "reasoning"
                                        if p.kind()? == Kind::String =>
                                    {
                                        r = opt_str(p)?
                                    }
                                    "tool_calls" if p.kind()? != Kind::Null => {
                                        p.arr(|p, _| {
                                            let mut d = ToolCallDelta::default();
                                            p.obj(|p, k| {
                                                match k.as_ref() {
                                                    "index" => {
                                                        d.index = u32::try_from(p.u64()?).map_err(
                                                            |_| JsonError {
                                                                pos: p.pos,
                                                                what:
                                                                    "a tool-call index beyond 2^32",
                                                            },
                                                        )?
                                                    }
                                                    "id" => d.id = opt_str(p)?.map(Cow::into_owned),
                                                    "function" if p.kind()? != Kind::Null => p
                                                        .obj(|p, k| {
                                                            match k.as_ref() {
                                                                "name" => {
                                                                    d.name = opt_str(p)?
                                                                        .map(Cow::into_owned)
                                                                }
                                                                "arguments" => {
                                                                    d.arguments = opt_str(p)?
                                                                        .map(Cow::into_owned)
                                                                }
                                                                _ => p.skip()?,
                                                            }
                                                            Ok(())
                                                        })?,
                                                    _ => p.skip()?,
                                                }
                                                Ok(())
                                            })?;
                                            // A delta that carries nothing costs nothing:
                                            // `{}` by the million must not grow memory.
                                            if d.id.is_some()
                                                || d.name.is_some()
                                                || d.arguments
                                                    .as_deref()
                                                    .is_some_and(|a| !a.is_empty())
                                            {
                                                calls.push(d);
                                            }
                                            Ok(())
                                        })?
                                    }
                                    _ => p.skip()?,
                                }
                                Ok(())
                            })?,
                            _ => p.skip()?,
                        }
                        Ok(())
                    })?;
                    if index == 0 {
                        content = c;
                        reasoning = r;
                        mark.finish_reason = finish.as_deref().map(map_finish_reason);
                        mark.tool_call_deltas = calls;
                    }
                    Ok(())
                })?,
                "usage" => mark.usage = read_usage(p)?,
                "error" if p.kind()? != Kind::Null => error = Some(read_error(p)?),
                _ => p.skip()?,
            }
            Ok(())
        })
        .and_then(|_| p.end());
    if let Err(e) = parsed {
        return Err(bad_json(
            "a stream event is not a chat completion chunk",
            e,
            data,
        ));
    }
    if let Some(err) = error {
        let code = err.code.unwrap_or_default();
        let ec = if code == "content_filter" {
            ErrorCode::ContentFilter
        } else {
            ErrorCode::ServiceUnavailable
        };
        let mut e = LlmError::new(
            ec,
            format!(
                "the stream reported an error: {}",
                err.message.as_deref().unwrap_or(&code)
            ),
        );
        e.provider_code = Some(code).filter(|c| !c.is_empty());
        return Err(e);
    }
    let text = content.as_deref().unwrap_or("");
    mark.reasoning = reasoning.filter(|r| !r.is_empty()).map(Cow::into_owned);
    if !text.is_empty() || mark.has_meta() {
        batch.push(text, mark);
    }
    Ok(StreamEvent::Chunk)
}

// ---- non-streaming answers

/// The parts of an answer that come from the body; the caller adds timing and attempts.
#[derive(Debug, PartialEq)]
pub struct ParsedAnswer {
    pub content: String,
    pub finish_reason: FinishReason,
    pub tool_calls: Option<Vec<ToolCall>>,
    pub usage: Option<Usage>,
    pub model: String,
    /// Reasoning text some servers return beside the answer (reasoning_content).
    pub reasoning: Option<String>,
}

pub fn parse_response(body: &[u8]) -> Result<ParsedAnswer> {
    // Invalid UTF-8 becomes U+FFFD, as TextDecoder does on the stream path.
    let text = String::from_utf8_lossy(body);
    let text: &str = &text;
    let mut model = String::new();
    let mut usage = None;
    #[allow(clippy::type_complexity)]
    let mut found: Option<(
        Option<String>,
        Option<String>,
        Option<Vec<ToolCall>>,
        FinishReason,
        Option<String>,
    )> = None;
    let mut p = Json::new(text);
    let parsed = p
        .obj(|p, k| {
            match k.as_ref() {
                "model" => model = opt_str(p)?.map(Cow::into_owned).unwrap_or_default(),
                "usage" => usage = read_usage(p)?,
                "choices" => p.arr(|p, _| {
                    let mut index = 0u64;
                    let mut content = None;
                    let mut refusal = None;
                    let mut reasoning: Option<String> = None;
                    let mut calls: Option<Vec<ToolCall>> = None;
                    let mut finish = FinishReason::Unknown;
                    let mut has_message = false;
                    p.obj(|p, k| {
                        match k.as_ref() {
                            "index" => index = p.u64()?,
                            "finish_reason" => {
                                finish = opt_str(p)?
                                    .as_deref()
                                    .map_or(FinishReason::Unknown, map_finish_reason)
                            }
                            "message" if p.kind()? != Kind::Null => {
                                has_message = true;
                                p.obj(|p, k| {
                                    match k.as_ref() {
                                        "content" => content = opt_str(p)?.map(Cow::into_owned),
                                        "refusal" => refusal = opt_str(p)?.map(Cow::into_owned),
                                        "reasoning_content" | "reasoning"
                                            if p.kind()? == Kind::String =>
                                        {
                                            reasoning = opt_str(p)?.map(Cow::into_owned)
                                        }
                                        "tool_calls" if p.kind()? != Kind::Null => {
                                            let mut list = Vec::new();
                                            p.arr(|p, _| {
                                                let mut call = ToolCall {
                                                    id: String::new(),
                                                    kind: "function".into(),
                                                    function: FunctionCall {
                                                        name: String::new(),
                                                        arguments: String::new(),
                                                    },
                                                };
                                                p.obj(|p, k| {
                                                    match k.as_ref() {
                                                        "id" => {
                                                            call.id = opt_str(p)?
                                                                .map(Cow::into_owned)
                                                                .unwrap_or_default()
                                                        }
                                                        "type" => {
                                                            call.kind = opt_str(p)?
                                                                .map(Cow::into_owned)
                                                                .unwrap_or_else(|| {
                                                                    "function".into()
                                                                })
                                                        }
                                                        "function" => p.obj(|p, k| {
                                                            match k.as_ref() {
                                                                "name" => {
                                                                    call.function.name = opt_str(p)?
                                                                        .map(Cow::into_owned)
                                                                        .unwrap_or_default()
                                                                }
                                                                "arguments" => {
                                                                    call.function.arguments =
                                                                        opt_str(p)?
                                                                            .map(Cow::into_owned)
                                                                            .unwrap_or_default()
                                                                }
                                                                _ => p.skip()?,
                                                            }
                                                            Ok(())
                                                        })?,
                                                        _ => p.skip()?,
                                                    }
                                                    Ok(())
                                                })?;
                                                if !(call.id.is_empty()
                                                    && call.function.name.is_empty()
                                                    && call.function.arguments.is_empty())
                                                {
                                                    list.push(call);
                                                }
                                                Ok(())
                                            })?;
                                            calls = Some(list).filter(|l| !l.is_empty());
                                        }
                                        _ => p.skip()?,
                                    }
                                    Ok(())
                                })?;
                            }
                            _ => p.skip()?,
                        }
                        Ok(())
                    })?;
                    if index == 0 && has_message && found.is_none() {
                        found = Some((
                            content.take(),
                            refusal.take(),
                            calls.take(),
                            finish,
                            reasoning.take(),
                        ));
                    }
                    Ok(())
                })?,
                _ => p.skip()?,
            }
            Ok(())
        })
        .and_then(|_| p.end());
    if let Err(e) = parsed {
        return Err(bad_json("the answer is not a chat completion", e, text));
    }
    let (content, refusal, tool_calls, finish_reason, reasoning) =
        found.ok_or_else(|| LlmError::parse("the answer has no choice with a message"))?;
    Ok(ParsedAnswer {
        reasoning: reasoning.filter(|r| !r.is_empty()),
        content: content.or(refusal).unwrap_or_default(),
        finish_reason,
        tool_calls,
        usage,
        model,
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
        if let Some(v) = get(name).and_then(parse_f64) {
            if v.is_finite() && v >= 0.0 {
                return Some(v as u64);
            }
        }
    }
    let v = get("retry-after")?;
    if let Some(secs) = parse_f64(v) {
        return (secs.is_finite() && secs >= 0.0).then(|| (secs * 1000.0) as u64);
    }
    let at = crate::core::httpdate::parse_http_date_ms(v)?;
    let now = now_epoch_ms?;
    Some((at - now).max(0.0) as u64)
}

/// What a provider says in hints about its own errors.
pub struct Hints {
    /// "Azure", "The server", ...
    pub who: &'static str,
    pub authentication: &'static str,
    pub not_found: &'static str,
}

/// The error parts of a body, from every shape servers send: OpenAI's and Azure's
/// `{"error": {"message", "code", "param"}}`, `{"error": "text"}`, vLLM's and Ollama's flat
/// `{"message", "code": 400}`, FastAPI's `{"detail": ...}`.
fn read_error_body(text: &str) -> Option<WireError> {
    let mut found = WireError::default();
    let mut any = false;
    let mut p = Json::new(text);
    let ok = p
        .obj(|p, k| {
            let kind = p.kind()?;
            match (k.as_ref(), kind) {
                ("error", Kind::Object) => {
                    let inner = read_error(p)?;
                    found.code = inner.code.or(found.code.take());
                    found.message = inner.message.or(found.message.take());
                    found.param = inner.param.or(found.param.take());
                    any = true;
                }
                ("error" | "message" | "detail", Kind::String) => {
                    let v = p.str()?.into_owned();
                    if found.message.is_none() || k == "error" {
                        found.message = Some(v);
                    }
                    any = true;
                }
                ("code", Kind::String) => {
                    found.code = found.code.take().or(Some(p.str()?.into_owned()))
                }
                ("code", Kind::Number) => {
                    found.code = found.code.take().or(Some(p.raw()?.trim().to_string()))
                }
                ("param", Kind::String) => found.param = Some(p.str()?.into_owned()),
                _ => p.skip()?,
            }
            Ok(())
        })
        .and_then(|_| p.end())
        .is_ok();
    (ok && any).then_some(found)
}

/// Maps an HTTP error answer to the contract's codes, with the provider's own message and a
/// hint in the provider's terms.
pub fn error_from_response(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    now_epoch_ms: Option<f64>,
    hints: &Hints,
) -> LlmError {
    let text = String::from_utf8_lossy(body);
    let parsed = read_error_body(&text);
    let provider_code = parsed.as_ref().and_then(|e| e.code.clone());
    let provider_msg = match &parsed {
        Some(e) => e.message.clone().unwrap_or_default(),
        None => snippet(&text),
    };
    let param = parsed.as_ref().and_then(|e| e.param.clone());
    let is_filter = provider_code.as_deref() == Some("content_filter");
    let who = hints.who;
    let (code, hint): (ErrorCode, String) = match status {
        400 if is_filter => (ErrorCode::ContentFilter, format!("{who}'s content filter refused the prompt; rephrase it or review the deployment's content filter policy.")),
        401 => (ErrorCode::Authentication, hints.authentication.into()),
        403 => (ErrorCode::PermissionDenied, "The credentials are valid but lack access to this resource or model (check role assignments, project membership or network rules).".into()),
        404 => (ErrorCode::NotFound, hints.not_found.into()),
        408 => (ErrorCode::Timeout, "The service timed out; retry, raise timeoutMs or add a backup endpoint.".into()),
        429 => (ErrorCode::RateLimited, "The quota is spent; wait retryAfterMs, lower the request rate, or raise the quota. Failing over would not help by default: quota belongs to the deployment or account (retry: { rateLimited: true } waits and retries).".into()),
        400..=499 => (
            ErrorCode::BadRequest,
            match &param {
                Some(p) => format!("{who} rejected the parameter '{p}'; the model's rules (config.modelProfile) or params.extra may need adjusting."),
                None => format!("{who} rejected the request; the message says why."),
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
            e.hint = Some("The quota is spent and the answer carried no readable Retry-After (in a browser, CORS hides it): wait a few seconds and back off exponentially, lower the request rate, or raise the quota.".into());
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
    fn nulls_in_optional_objects_are_not_set() {
        // llama.cpp's first chunk: every optional member null. A guard that consumed the
        // null and then skipped "the value" used to skip the next member instead.
        let mut b = ChunkBatch::default();
        let ev = r#"{"id": "x", "choices": [{"index": 0, "finish_reason": null, "logprobs": null, "delta": {"role": "assistant", "content": null, "function_call": null, "tool_calls": null}}]}"#;
        parse_stream_event(ev, &mut b).unwrap();
        assert!(b.is_empty());
        parse_stream_event(r#"{"choices": null, "usage": null, "error": null}"#, &mut b).unwrap();
        parse_stream_event(
            r#"{"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "c1", "function": null}]}, "finish_reason": null}]}"#,
            &mut b,
        )
        .unwrap();
        assert_eq!(b.chunks()[0].tool_call_deltas[0].id.as_deref(), Some("c1"));
        let a = parse_response(br#"{"model": "m", "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi", "tool_calls": null}, "finish_reason": "stop"}]}"#).unwrap();
        assert_eq!(a.content, "hi");
        assert!(parse_response(br#"{"choices": [{"index": 0, "message": null}, {"index": 0, "message": {"content": "x"}}]}"#).is_ok());
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
