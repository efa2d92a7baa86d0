//! Bedrock's Converse wire: the chat request as a Converse body, Converse answers and
//! ConverseStream events (already turned into `{"<event-type>": payload}` JSON by the
//! event-stream decoder) in the library's shapes, and Bedrock's error bodies.

use crate::core::error::{ErrorCode, LlmError, Result};
use crate::core::message::{Content, ContentPart, FunctionCall, Message, Role, ToolCall};
use crate::core::params::RawJson;
use crate::core::response::{ChunkBatch, ChunkMark, FinishReason, ToolCallDelta, Usage};
use crate::engine::stream::StreamEvent;
use crate::prelude::*;
use crate::providers::chat_wire::{error_from_response, snippet, Hints, ParsedAnswer, WireParams};
use crate::wire::json::{JResult, Json, JsonWriter, Kind};
use alloc::borrow::Cow;

fn bad(msg: String, hint: &str) -> LlmError {
    LlmError::invalid_input(msg, hint)
}

/// Whether `s` is one JSON value (tool-call arguments and schemas are passed through).
fn is_json(s: &str) -> bool {
    let mut p = Json::new(s);
    p.skip().and_then(|_| p.end()).is_ok()
}

/// A content block of an image given as a data: URL (Bedrock takes bytes, not links).
fn image_block(w: &mut JsonWriter, url: &str, at: usize) -> Result<()> {
    let hint = "Bedrock takes images as data: URLs (data:image/png;base64,...); fetch remote images first.";
    let rest = url.strip_prefix("data:image/").ok_or_else(|| {
        bad(
            format!("messages[{at}]: Bedrock needs images as data:image/...;base64 URLs"),
            hint,
        )
    })?;
    let (format, data) = super::cut(rest, ";base64,").ok_or_else(|| {
        bad(
            format!("messages[{at}]: the image data: URL is not base64"),
            hint,
        )
    })?;
    let format = if format == "jpg" { "jpeg" } else { format };
    if !matches!(format, "png" | "jpeg" | "gif" | "webp") {
        return Err(bad(
            format!("messages[{at}]: Bedrock takes png, jpeg, gif or webp images, not {format}"),
            hint,
        ));
    }
    // Converse's blob members are base64 in JSON: the data passes through as it is.
    w.begin_obj()
        .key("image")
        .begin_obj()
        .key("format")
        .str(format);
    w.key("source").begin_obj().key("bytes").str(data).end_obj();
    w.end_obj().end_obj();
    Ok(())
}

/// One message's content blocks, or None for a message that has none to send.
fn blocks(m: &Message, at: usize) -> Result<Option<String>> {
    let mut w = JsonWriter::new();
    let mut n = 0;
    w.begin_arr();
    if m.role == Role::Tool {
        w.begin_obj().key("toolResult").begin_obj();
        w.key("toolUseId")
            .str(m.tool_call_id.as_deref().unwrap_or(""));
        w.key("content")
            .begin_arr()
            .begin_obj()
            .key("text")
            .str(&m.text())
            .end_obj()
            .end_arr();
        w.end_obj().end_obj();
        w.end_arr();
        return Ok(Some(w.finish()));
    }
    match &m.content {
        None => {}
        Some(Content::Text(t)) => {
            if !t.is_empty() {
                w.begin_obj().key("text").str(t).end_obj();
                n += 1;
            }
        }
        Some(Content::Parts(parts)) => {
            for p in parts {
                match p {
                    ContentPart::Text { text } if text.is_empty() => {}
                    ContentPart::Text { text } => {
                        w.begin_obj().key("text").str(text).end_obj();
                    }
                    ContentPart::ImageUrl { image_url } => image_block(&mut w, &image_url.url, at)?,
                    ContentPart::InputAudio { .. } => return Err(LlmError::unsupported(
                        format!("messages[{at}]: Bedrock's Converse API takes no audio input"),
                        "Transcribe the audio first, or use a provider whose model takes audio.",
                    )),
                }
                n += 1;
            }
        }
    }
    for c in m.tool_calls.iter().flatten() {
        let args = c.function.arguments.trim();
        let input = if args.is_empty() { "{}" } else { args };
        if !is_json(input) {
            return Err(bad(
                format!("messages[{at}].tool_calls: the arguments of {} are not JSON", c.function.name),
                "Bedrock takes a tool call's input as a JSON object; pass the arguments the model returned.",
            ));
        }
        w.begin_obj().key("toolUse").begin_obj();
        w.key("toolUseId")
            .str(&c.id)
            .key("name")
            .str(&c.function.name)
            .key("input")
            .raw(input);
        w.end_obj().end_obj();
        n += 1;
    }
    w.end_arr();
    Ok((n > 0).then(|| w.finish()))
}

/// Top-level Converse members `params.extra` may set; any other extra key is a model field
/// (additionalModelRequestFields).
const TOP_LEVEL: &[&str] = &[
    "guardrailConfig",
    "performanceConfig",
    "promptVariables",
    "requestMetadata",
    "additionalModelResponseFieldPaths",
    "serviceTier",
];

/// OpenAI-style tools (`[{type: "function", function: {name, description, parameters}}]`)
/// as Converse tool specs.
fn write_tools(w: &mut JsonWriter, tools: &str) -> Result<()> {
    let mut p = Json::new(tools);
    let mut out = JsonWriter::new();
    out.begin_arr();
    let r = p.arr(|p, _| {
        let (mut name, mut desc, mut schema) = (None, None, None);
        p.obj(|p, k| {
            if k != "function" {
                return p.skip();
            }
            p.obj(|p, k| {
                match k.as_ref() {
                    "name" => name = Some(p.str()?.into_owned()),
                    "description" if p.kind()? == Kind::String => {
                        desc = Some(p.str()?.into_owned())
                    }
                    "parameters" => schema = Some(p.raw()?.to_string()),
                    _ => p.skip()?,
                }
                Ok(())
            })
        })?;
        out.begin_obj().key("toolSpec").begin_obj();
        out.key("name").str(name.as_deref().unwrap_or(""));
        out.opt_str("description", desc.as_deref());
        out.key("inputSchema").begin_obj().key("json");
        out.raw(
            schema
                .as_deref()
                .unwrap_or("{\"type\":\"object\",\"properties\":{}}"),
        );
        out.end_obj().end_obj().end_obj();
        Ok(())
    });
    if r.is_err() {
        return Err(bad(
            "params.tools is not a list of function tools".into(),
            "tools: [{ type: \"function\", function: { name, description, parameters } }].",
        ));
    }
    out.end_arr();
    w.key("tools").raw(&out.finish());
    Ok(())
}

/// tool_choice as Converse's: "auto" → auto, "required" → any, a named function → tool;
/// "none" has no Converse form (the caller leaves tools out instead).
fn write_tool_choice(w: &mut JsonWriter, choice: &str) {
    let mut p = Json::new(choice);
    if let Ok(s) = p.str() {
        match s.as_ref() {
            "required" | "any" => {
                w.key("toolChoice").raw("{\"any\":{}}");
            }
            "auto" => {
                w.key("toolChoice").raw("{\"auto\":{}}");
            }
            _ => {}
        }
        return;
    }
    let mut name = None;
    let mut p = Json::new(choice);
    let _ = p.obj(|p, k| {
        if k != "function" {
            return p.skip();
        }
        p.obj(|p, k| {
            if k == "name" {
                name = Some(p.str()?.into_owned());
                Ok(())
            } else {
                p.skip()
            }
        })
    });
    if let Some(n) = name {
        w.key("toolChoice")
            .begin_obj()
            .key("tool")
            .begin_obj()
            .key("name")
            .str(&n)
            .end_obj()
            .end_obj();
    }
}

/// The Converse request body. `wire` holds the model rules' output in chat-completions
/// names: max tokens, temperature, top_p and stop go to inferenceConfig, tools and
/// tool_choice to toolConfig. Seed, penalties, response_format and user have no Converse
/// field and are not sent (a model that takes them gets them through params.extra).
pub fn build_converse_payload(
    messages: &[Message],
    wire: &WireParams,
    extra: Option<&[(String, RawJson)]>,
) -> Result<String> {
    let mut w = JsonWriter::new();
    w.begin_obj();
    // Consecutive messages of one role are merged: Converse wants user and assistant to
    // alternate, and tool results travel in one user message.
    let mut turns: Vec<(&'static str, String)> = Vec::new();
    let mut system: Vec<String> = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        if matches!(m.role, Role::System | Role::Developer) {
            system.push(m.text());
            continue;
        }
        let role = if m.role == Role::Assistant {
            "assistant"
        } else {
            "user"
        };
        let Some(b) = blocks(m, i)? else { continue };
        match turns.last_mut() {
            Some((r, prev)) if *r == role => {
                prev.pop(); // "]"
                prev.push(',');
                prev.push_str(b.get(1..).unwrap_or(""));
            }
            _ => turns.push((role, b)),
        }
    }
    w.key("messages").begin_arr();
    for (role, b) in &turns {
        w.begin_obj()
            .key("role")
            .str(role)
            .key("content")
            .raw(b)
            .end_obj();
    }
    w.end_arr();
    if !system.is_empty() {
        w.key("system").begin_arr();
        for s in system.iter().filter(|s| !s.is_empty()) {
            w.begin_obj().key("text").str(s).end_obj();
        }
        w.end_arr();
    }
    let mut inference = JsonWriter::new();
    let mut any = false;
    inference.begin_obj();
    for (k, v) in &wire.0 {
        let name = match k.as_str() {
            "max_tokens" | "max_completion_tokens" => "maxTokens",
            "temperature" => "temperature",
            "top_p" => "topP",
            "stop" => {
                let v = v.trim();
                inference.key("stopSequences");
                if v.starts_with('[') {
                    inference.raw(v);
                } else {
                    inference.begin_arr().raw(v).end_arr();
                }
                any = true;
                continue;
            }
            _ => continue,
        };
        inference.key(name).raw(v);
        any = true;
    }
    inference.end_obj();
    if any {
        w.key("inferenceConfig").raw(&inference.finish());
    }
    let none_chosen = wire.get("tool_choice").map(str::trim) == Some("\"none\"");
    if let Some(tools) = wire.get("tools").filter(|_| !none_chosen) {
        w.key("toolConfig").begin_obj();
        write_tools(&mut w, tools)?;
        if let Some(c) = wire.get("tool_choice") {
            write_tool_choice(&mut w, c);
        }
        w.end_obj();
    }
    let extra = extra.unwrap_or(&[]);
    let (top, model): (Vec<_>, Vec<_>) = extra
        .iter()
        .partition(|(k, _)| TOP_LEVEL.contains(&k.as_str()) || k == "additionalModelRequestFields");
    for (k, v) in &top {
        if k != "additionalModelRequestFields" {
            w.key(k).raw(&v.0);
        }
    }
    let explicit = top
        .iter()
        .find(|(k, _)| k == "additionalModelRequestFields");
    if let Some((_, v)) = explicit {
        w.key("additionalModelRequestFields").raw(&v.0);
    } else if !model.is_empty() {
        w.key("additionalModelRequestFields").begin_obj();
        for (k, v) in &model {
            w.key(k).raw(&v.0);
        }
        w.end_obj();
    }
    w.end_obj();
    Ok(w.finish())
}

pub fn map_stop_reason(s: &str) -> FinishReason {
    match s {
        "end_turn" | "stop_sequence" => FinishReason::Stop,
        "max_tokens" | "model_context_window_exceeded" => FinishReason::Length,
        "tool_use" => FinishReason::ToolCalls,
        "guardrail_intervened" | "content_filtered" => FinishReason::ContentFilter,
        _ => FinishReason::Unknown,
    }
}

fn read_usage(p: &mut Json) -> JResult<Usage> {
    let mut u = Usage::default();
    p.obj(|p, k| {
        let slot = match k.as_ref() {
            "inputTokens" => &mut u.prompt_tokens,
            "outputTokens" => &mut u.completion_tokens,
            "totalTokens" => &mut u.total_tokens,
            _ => return p.skip(),
        };
        if p.kind()? == Kind::Number {
            *slot = crate::wire::json::parse_u64(p.raw()?.trim()).unwrap_or(0);
        } else {
            p.skip()?;
        }
        Ok(())
    })?;
    if u.total_tokens == 0 {
        u.total_tokens = u.prompt_tokens + u.completion_tokens;
    }
    Ok(u)
}

/// A whole Converse answer. `model` names the model (Converse answers do not).
pub fn parse_converse_response(body: &[u8], model: &str) -> Result<ParsedAnswer> {
    let text = String::from_utf8_lossy(body);
    let mut content = String::new();
    let mut reasoning = String::new();
    let mut calls: Vec<ToolCall> = Vec::new();
    let mut finish = FinishReason::Unknown;
    let mut usage = None;
    let mut has_message = false;
    let mut p = Json::new(&text);
    let parsed = p
        .obj(|p, k| {
            match k.as_ref() {
                "stopReason" if p.kind()? == Kind::String => finish = map_stop_reason(&p.str()?),
                "usage" if p.kind()? == Kind::Object => usage = Some(read_usage(p)?),
                "output" => p.obj(|p, k| {
                    if k != "message" {
                        return p.skip();
                    }
                    has_message = true;
                    p.obj(|p, k| {
                        if k != "content" {
                            return p.skip();
                        }
                        p.arr(|p, _| {
                            p.obj(|p, k| {
                                match k.as_ref() {
                                    "text" => content.push_str(&p.str()?),
                                    "toolUse" => {
                                        let mut c = ToolCall {
                                            id: String::new(),
                                            kind: "function".into(),
                                            function: FunctionCall {
                                                name: String::new(),
                                                arguments: String::new(),
                                            },
                                        };
                                        p.obj(|p, k| {
                                            match k.as_ref() {
                                                "toolUseId" => c.id = p.str()?.into_owned(),
                                                "name" => c.function.name = p.str()?.into_owned(),
                                                "input" => {
                                                    c.function.arguments =
                                                        p.raw()?.trim().to_string()
                                                }
                                                _ => p.skip()?,
                                            }
                                            Ok(())
                                        })?;
                                        calls.push(c);
                                    }
                                    "reasoningContent" => p.obj(|p, k| {
                                        if k != "reasoningText" {
                                            return p.skip();
                                        }
                                        p.obj(|p, k| {
                                            if k == "text" {
                                                reasoning.push_str(&p.str()?);
                                                Ok(())
                                            } else {
                                                p.skip()
                                            }
                                        })
                                    })?,
                                    _ => p.skip()?,
                                }
                                Ok(())
                            })
                        })
                    })
                })?,
                _ => p.skip()?,
            }
            Ok(())
        })
        .and_then(|_| p.end());
    if let Err(e) = parsed {
        return Err(LlmError::parse(format!(
            "the answer is not a Converse response ({e}): {}",
            snippet(&text)
        )));
    }
    if !has_message {
        return Err(LlmError::parse("the Converse answer has no output message"));
    }
    Ok(ParsedAnswer {
        content,
        finish_reason: finish,
        tool_calls: Some(calls).filter(|c| !c.is_empty()),
        usage,
        model: model.to_string(),
        reasoning: Some(reasoning).filter(|r| !r.is_empty()),
    })
}

/// Per stream: which content blocks are tool calls, so their deltas get OpenAI's 0-based
/// tool-call index (Converse counts text blocks too).
#[derive(Default)]
pub struct StreamState {
    tool_blocks: Vec<u64>,
}

impl StreamState {
    fn tool_index(&mut self, block: u64, start: bool) -> u32 {
        match self.tool_blocks.iter().position(|b| *b == block) {
            Some(i) => i as u32,
            None if start => {
                self.tool_blocks.push(block);
                (self.tool_blocks.len() - 1) as u32
            }
            // A delta for a block that never started: give it its own index too.
            None => self.tool_index(block, true),
        }
    }
}

/// An in-stream exception as the contract's error.
fn stream_exception(kind: &str, message: &str) -> LlmError {
    const CODES: [(&str, ErrorCode); 6] = [
        ("throttlingException", ErrorCode::RateLimited),
        ("modelNotReadyException", ErrorCode::RateLimited),
        ("validationException", ErrorCode::BadRequest),
        ("accessDeniedException", ErrorCode::PermissionDenied),
        ("resourceNotFoundException", ErrorCode::NotFound),
        ("modelTimeoutException", ErrorCode::Timeout),
    ];
    let code = CODES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(kind))
        .map_or(ErrorCode::ServiceUnavailable, |c| c.1);
    let mut e = LlmError::new(code, format!("the stream reported {kind}: {message}"));
    e.provider_code = Some(kind.to_string());
    e
}

/// One ConverseStream event (`{"<event-type>": payload}`) into `batch`.
pub fn parse_converse_event(
    data: &str,
    state: &mut StreamState,
    batch: &mut ChunkBatch,
) -> Result<StreamEvent> {
    let mut mark = ChunkMark::default();
    let mut text: Option<Cow<str>> = None;
    let mut reasoning = String::new();
    let mut exception: Option<(String, String)> = None;
    let mut is_exception = false;
    let mut p = Json::new(data);
    let parsed = p
        .obj(|p, k| {
            let event = k.into_owned();
            if event == "__exception" {
                is_exception = p.bool()?;
                return Ok(());
            }
            if p.kind()? != Kind::Object {
                return p.skip();
            }
            let mut block = 0u64;
            match event.as_str() {
                "contentBlockStart" | "contentBlockDelta" => p.obj(|p, k| {
                    match k.as_ref() {
                        "contentBlockIndex" => block = p.u64()?,
                        "start" => p.obj(|p, k| {
                            if k != "toolUse" {
                                return p.skip();
                            }
                            let mut d = ToolCallDelta {
                                index: state.tool_index(block, true),
                                ..Default::default()
                            };
                            p.obj(|p, k| {
                                match k.as_ref() {
                                    "toolUseId" => d.id = Some(p.str()?.into_owned()),
                                    "name" => d.name = Some(p.str()?.into_owned()),
                                    _ => p.skip()?,
                                }
                                Ok(())
                            })?;
                            mark.tool_call_deltas.push(d);
                            Ok(())
                        })?,
                        "delta" => p.obj(|p, k| {
                            match k.as_ref() {
                                "text" => text = Some(p.str()?),
                                "toolUse" => p.obj(|p, k| {
                                    if k != "input" {
                                        return p.skip();
                                    }
                                    let args = p.str()?.into_owned();
                                    mark.tool_call_deltas.push(ToolCallDelta {
                                        index: state.tool_index(block, false),
                                        arguments: Some(args),
                                        ..Default::default()
                                    });
                                    Ok(())
                                })?,
                                "reasoningContent" => p.obj(|p, k| {
                                    if k == "text" {
                                        reasoning.push_str(&p.str()?);
                                        Ok(())
                                    } else {
                                        p.skip()
                                    }
                                })?,
                                _ => p.skip()?,
                            }
                            Ok(())
                        })?,
                        _ => p.skip()?,
                    }
                    Ok(())
                }),
                "messageStop" => p.obj(|p, k| {
                    if k == "stopReason" {
                        mark.finish_reason = Some(map_stop_reason(&p.str()?));
                        Ok(())
                    } else {
                        p.skip()
                    }
                }),
                "metadata" => p.obj(|p, k| {
                    if k == "usage" && p.kind()? == Kind::Object {
                        mark.usage = Some(read_usage(p)?);
                        Ok(())
                    } else {
                        p.skip()
                    }
                }),
                "messageStart" | "contentBlockStop" => p.skip(),
                _ => {
                    // Possibly an exception: keep its type and message.
                    let mut msg = String::new();
                    p.obj(|p, k| {
                        if (k == "message" || k == "Message") && p.kind()? == Kind::String {
                            msg = p.str()?.into_owned();
                            Ok(())
                        } else {
                            p.skip()
                        }
                    })?;
                    exception = Some((event, msg));
                    Ok(())
                }
            }
        })
        .and_then(|_| p.end());
    if let Err(e) = parsed {
        return Err(LlmError::parse(format!(
            "a stream event is not a ConverseStream event ({e}): {}",
            snippet(data)
        )));
    }
    if is_exception {
        let (kind, msg) = exception.unwrap_or_else(|| ("exception".into(), String::new()));
        return Err(stream_exception(&kind, &msg));
    }
    let text = text.as_deref().unwrap_or("");
    mark.reasoning = Some(reasoning).filter(|r| !r.is_empty());
    if !text.is_empty() || mark.has_meta() {
        batch.push(text, mark);
    }
    Ok(StreamEvent::Chunk)
}

pub const HINTS: Hints = Hints {
    who: "Bedrock",
    authentication: "Check credentials (access key, secret, session token) or apiKey for this region; a signature error can also mean the machine's clock is off by more than 5 minutes.",
    not_found: "Check modelId and region: the model (or inference profile) must be available in this region, and model access granted in the Bedrock console.",
};

/// AWS's answers to a request signed too far from its clock (more than 5 minutes):
/// "Signature expired: 20250130T203827Z is now earlier than 20250130T204131Z
/// (20250130T204631Z - 5 min.)", "Signature not yet current: … is still later than …
/// (… + 5 min.)" (InvalidSignatureException, 403 from Bedrock, 400 from older services), and
/// S3-style "RequestTimeTooSkewed" / "request time too skewed".
pub fn is_clock_skew(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "signature expired",
        "not yet current",
        "too skewed",
        "requesttimetooskewed",
    ]
    .iter()
    .any(|k| crate::core::find(&m, k).is_some())
}

/// The server's clock at the time of a clock-skew answer, in Unix milliseconds: the time in
/// the message's parentheses (AWS's "now"), else the `Date` header. The message comes first:
/// browsers hide `Date` from cross-origin scripts (not a CORS-safelisted header).
pub fn server_time_ms(message: &str, headers: &[(String, String)]) -> Option<f64> {
    let in_message = message
        .bytes()
        .rposition(|b| b == b'(')
        .and_then(|at| message.get(at + 1..at + 17))
        .and_then(super::sigv4::parse_amz_date_ms);
    in_message.or_else(|| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("date"))
            .and_then(|(_, v)| crate::core::httpdate::parse_http_date_ms(v))
    })
}

/// Bedrock's error answers: `{"message"}` (or `{"Message"}`), the type in the
/// x-amzn-ErrorType header when the browser may read it, else in the body's `__type`.
pub fn error_from_converse(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    now_epoch_ms: Option<f64>,
) -> LlmError {
    let text = String::from_utf8_lossy(body);
    let mut message: Option<String> = None;
    let mut kind: Option<String> = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("x-amzn-errortype"))
        .map(|(_, v)| v.clone());
    let mut p = Json::new(&text);
    let _ = p.obj(|p, k| {
        match (k.as_ref(), p.kind()?) {
            ("message" | "Message", Kind::String) => message = Some(p.str()?.into_owned()),
            ("__type" | "code", Kind::String) if kind.is_none() => {
                kind = Some(p.str()?.into_owned())
            }
            _ => p.skip()?,
        }
        Ok(())
    });
    // "ThrottlingException:http://internal..." or "com.amazon...#ValidationException".
    let kind = kind.map(|k| {
        let k = k.split(':').next().unwrap_or("");
        k.rsplit('#').next().unwrap_or(k).to_string()
    });
    let mut synth = JsonWriter::new();
    synth.begin_obj();
    synth
        .key("message")
        .str(message.as_deref().unwrap_or(&snippet(&text)));
    synth.opt_str("code", kind.as_deref());
    synth.end_obj();
    let mut e = error_from_response(
        status,
        headers,
        synth.finish().as_bytes(),
        now_epoch_ms,
        &HINTS,
    );
    match kind.as_deref() {
        // The model failed, not the request: another endpoint may serve it.
        Some("ModelErrorException") => e.code = ErrorCode::ServiceUnavailable,
        Some("ModelTimeoutException") => e.code = ErrorCode::Timeout,
        Some("ThrottlingException" | "ServiceQuotaExceededException") if status == 400 => {
            e.code = ErrorCode::RateLimited
        }
        Some(
            "UnrecognizedClientException" | "InvalidSignatureException" | "ExpiredTokenException",
        ) => {
            e.code = ErrorCode::Authentication;
            e.hint = Some(HINTS.authentication.into());
        }
        _ => {}
    }
    if (status == 403 || status == 400) && message.as_deref().is_some_and(is_clock_skew) {
        e.code = ErrorCode::Authentication;
        e.hint = Some("The request's signing time is more than 5 minutes off Bedrock's clock: check the machine's clock.".into());
    }
    e
}
