#![cfg(not(target_arch = "wasm32"))]
//! Differential tests of the two chat parsers (stream events and whole answers) against
//! serde_json: seeded random Azure- and OpenAI-shaped bodies — random Unicode (escaped and
//! not), tool calls, reasoning, usage in every placement real servers use, filter
//! annotations, nulls for optional members — written by serde_json, framed as SSE with CRLF
//! or LF, cut at random points, and read by the library. What the library delivers must be
//! exactly what serde_json reads from the same bytes.
//!
//! Defaults: 2,000 cases per property (about 2 s in a debug build); a long run is
//! `PROPTEST_CASES=100000 cargo test --release --test chat_differential`.

use llm_edge::core::response::{ChunkBatch, FinishReason};
use llm_edge::providers::chat_wire::{parse_response, parse_stream_event, StreamEvent};
use llm_edge::wire::sse::SseDecoder;
use proptest::prelude::*;
use serde_json::{json, Value};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

/// Text with ASCII, quotes and backslashes, control characters, non-BMP characters.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => "[a-zA-Z0-9 .,]{1,6}",
            1 => Just("\"".to_string()),
            1 => Just("\\".to_string()),
            1 => Just("\n\t\u{1}".to_string()),
            1 => Just("日本語".to_string()),
            1 => Just("😀🧪".to_string()),
            1 => any::<char>().prop_map(|c| c.to_string()),
        ],
        0..6,
    )
    .prop_map(|v| v.concat())
}

#[derive(Debug, Clone)]
struct Chunk {
    content: Option<String>,
    reasoning: Option<String>,
    tool: Option<(u32, Option<String>, Option<String>, String)>,
    finish: Option<&'static str>,
    filter: bool,
    nulls: bool,
}

fn chunk() -> impl Strategy<Value = Chunk> {
    (
        prop::option::of(text()),
        prop::option::weighted(0.2, text()),
        prop::option::weighted(
            0.2,
            (
                0u32..3,
                prop::option::of("[a-z_]{1,8}"),
                prop::option::of("call_[a-z0-9]{4}"),
                text(),
            ),
        ),
        prop::option::weighted(
            0.1,
            prop::sample::select(vec![
                "stop",
                "length",
                "tool_calls",
                "content_filter",
                "weird",
            ]),
        ),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(content, reasoning, tool, finish, filter, nulls)| Chunk {
            content,
            reasoning,
            tool,
            finish,
            filter,
            nulls,
        })
}

fn chunk_json(c: &Chunk) -> Value {
    let mut delta = serde_json::Map::new();
    match &c.content {
        Some(t) => drop(delta.insert("content".into(), json!(t))),
        None if c.nulls => drop(delta.insert("content".into(), Value::Null)),
        None => {}
    }
    if let Some(r) = &c.reasoning {
        delta.insert("reasoning_content".into(), json!(r));
    }
    match &c.tool {
        Some((i, name, id, args)) => {
            let mut f = serde_json::Map::new();
            if let Some(n) = name {
                f.insert("name".into(), json!(n));
            }
            f.insert("arguments".into(), json!(args));
            let mut call = json!({ "index": i, "type": "function", "function": f });
            if let Some(id) = id {
                call["id"] = json!(id);
            }
            delta.insert("tool_calls".into(), json!([call]));
        }
        None if c.nulls => drop(delta.insert("tool_calls".into(), Value::Null)),
        None => {}
    }
    if c.nulls {
        delta.insert("function_call".into(), Value::Null);
        delta.insert("role".into(), Value::Null);
    }
    let mut choice =
        json!({ "index": 0, "delta": delta, "finish_reason": c.finish, "logprobs": null });
    if c.filter {
        choice["content_filter_results"] =
            json!({ "hate": { "filtered": false, "severity": "safe" } });
    }
    json!({ "id": "chatcmpl-x", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [choice] })
}

/// What a client must see, read from the serde_json values.
#[derive(Debug, Default, PartialEq)]
struct Seen {
    text: String,
    reasoning: String,
    args: String,
    finishes: Vec<FinishReason>,
    usage: Option<(u64, u64, u64)>,
}

fn finish_of(s: &str) -> FinishReason {
    match s {
        "stop" => FinishReason::Stop,
        "length" => FinishReason::Length,
        "tool_calls" => FinishReason::ToolCalls,
        "content_filter" => FinishReason::ContentFilter,
        _ => FinishReason::Unknown,
    }
}

fn expected(events: &[Value]) -> Seen {
    let mut s = Seen::default();
    for e in events {
        if let Some(d) = e["choices"].get(0).map(|c| &c["delta"]) {
            s.text += d["content"].as_str().unwrap_or("");
            s.reasoning += d["reasoning_content"].as_str().unwrap_or("");
            if let Some(calls) = d["tool_calls"].as_array() {
                for c in calls {
                    s.args += c["function"]["arguments"].as_str().unwrap_or("");
                }
            }
            if let Some(f) = e["choices"][0]["finish_reason"].as_str() {
                s.finishes.push(finish_of(f));
            }
        }
        if let Some(u) = e.get("usage").filter(|u| u.is_object()) {
            s.usage = Some((
                u["prompt_tokens"].as_u64().unwrap(),
                u["completion_tokens"].as_u64().unwrap(),
                u["total_tokens"].as_u64().unwrap(),
            ));
        }
    }
    s
}

fn seen_from(batches: &[ChunkBatch]) -> Seen {
    let mut s = Seen::default();
    for b in batches {
        for c in b.chunks() {
            s.text += &c.delta;
            s.reasoning += c.reasoning.as_deref().unwrap_or("");
            for d in &c.tool_call_deltas {
                s.args += d.arguments.as_deref().unwrap_or("");
            }
            if let Some(f) = c.finish_reason {
                s.finishes.push(f);
            }
            if let Some(u) = c.usage {
                s.usage = Some((u.prompt_tokens, u.completion_tokens, u.total_tokens));
            }
        }
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn streams_deliver_what_serde_json_reads(
        chunks in prop::collection::vec(chunk(), 1..12),
        usage_mode in 0u8..3,
        crlf in any::<bool>(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let mut events: Vec<Value> = chunks.iter().map(chunk_json).collect();
        let usage = json!({ "prompt_tokens": 7, "completion_tokens": 11, "total_tokens": 18 });
        match usage_mode {
            0 => events.push(json!({ "choices": [], "usage": usage })),                        // OpenAI, Azure
            1 => events.push(json!({ "choices": [{ "index": 0, "delta": {} }], "usage": usage })), // LiteLLM
            _ => {}                                                                             // llama.cpp
        }
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut body = String::new();
        for e in &events {
            body += &format!("data: {}{nl}{nl}", serde_json::to_string(e).unwrap());
        }
        body += &format!("data: [DONE]{nl}{nl}");
        let bytes = body.as_bytes();
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        points.sort_unstable();
        let mut dec = SseDecoder::new();
        let mut batches = Vec::new();
        let mut done = false;
        let mut last = 0;
        for p in points.into_iter().chain([bytes.len()]) {
            let mut batch = ChunkBatch::default();
            dec.feed(&bytes[last..p], &mut |data| {
                match parse_stream_event(data, &mut batch) {
                    Ok(StreamEvent::Done) => done = true,
                    Ok(StreamEvent::Chunk) => {}
                    Err(e) => panic!("{e:?} on {data}"),
                }
            });
            last = p;
            batches.push(batch);
        }
        prop_assert!(done, "[DONE] seen");
        prop_assert_eq!(seen_from(&batches), expected(&events));
    }

    #[test]
    fn answers_deliver_what_serde_json_reads(
        content in prop::option::of(text()),
        reasoning in prop::option::weighted(0.3, text()),
        tools in prop::collection::vec(("[a-z_]{1,8}", text()), 0..3),
        finish in prop::sample::select(vec!["stop", "length", "tool_calls", "content_filter", "weird"]),
        with_usage in any::<bool>(),
        invalid_utf8 in any::<bool>(),
    ) {
        let calls: Vec<Value> = tools.iter().enumerate().map(|(i, (n, a))| json!({ "id": format!("call_{i}"), "type": "function", "function": { "name": n, "arguments": a } })).collect();
        let mut message = json!({ "role": "assistant", "content": content, "tool_calls": if calls.is_empty() { Value::Null } else { json!(calls) } });
        if let Some(r) = &reasoning {
            message["reasoning_content"] = json!(r);
        }
        let mut body = json!({ "id": "x", "object": "chat.completion", "model": "m-1", "choices": [{ "index": 0, "message": message, "finish_reason": finish, "logprobs": null }] });
        if with_usage {
            body["usage"] = json!({ "prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7 });
        }
        let mut bytes = serde_json::to_vec(&body).unwrap();
        if invalid_utf8 {
            // A stray byte inside the model name: replaced by U+FFFD, as TextDecoder does.
            let at = bytes.windows(3).position(|w| w == b"m-1").unwrap();
            bytes[at + 1] = 0xFF;
        }
        let a = parse_response(&bytes).unwrap();
        prop_assert_eq!(a.content, content.unwrap_or_default());
        prop_assert_eq!(a.reasoning, reasoning.filter(|r| !r.is_empty()));
        prop_assert_eq!(a.finish_reason, finish_of(finish));
        prop_assert_eq!(a.model, if invalid_utf8 { "m\u{FFFD}1".to_string() } else { "m-1".to_string() });
        let got: Vec<(String, String)> = a.tool_calls.unwrap_or_default().into_iter().map(|c| (c.function.name, c.function.arguments)).collect();
        prop_assert_eq!(got, tools);
        prop_assert_eq!(a.usage.map(|u| u.total_tokens), with_usage.then_some(7));
    }
}
