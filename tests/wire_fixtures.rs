#![cfg(not(target_arch = "wasm32"))]
//! The SSE decoder and Azure parsers against every recorded Azure body in tests/data/azure.
mod common;

use llm_edge::core::response::{ChunkBatch, FinishReason};
use llm_edge::providers::chat_wire::{
    error_from_response, parse_response, parse_stream_event, StreamEvent,
};
use llm_edge::wire::sse::{decode_all, SseDecoder};
use llm_edge::ErrorCode;
use proptest::prelude::*;
use serde_json::Value;

fn decode_split(body: &[u8], cuts: &[usize]) -> Vec<String> {
    let mut out = Vec::new();
    let mut d = SseDecoder::new();
    let mut last = 0;
    for &c in cuts {
        let c = c.clamp(last, body.len());
        d.feed(&body[last..c], &mut |e| out.push(e.to_string()));
        last = c;
    }
    d.feed(&body[last..], &mut |e| out.push(e.to_string()));
    d.finish(&mut |e| out.push(e.to_string()));
    out
}

#[test]
fn every_recorded_body_decodes_to_its_events() {
    let bodies = common::sse_bodies();
    assert!(
        bodies.len() >= 15,
        "expected the recordings and fixtures, found {}",
        bodies.len()
    );
    for (name, body) in &bodies {
        let want = common::reference_events(body);
        assert_eq!(decode_all(body), want, "{name}");
        if !name.contains("with_data") {
            // (the old "on your data" fixture has no [DONE] at all)
            assert_eq!(
                want.last().map(String::as_str),
                Some("[DONE]"),
                "{name} ends with [DONE]"
            );
        }
        // CRLF line endings give the same events.
        let crlf = String::from_utf8_lossy(body)
            .replace('\n', "\r\n")
            .into_bytes();
        assert_eq!(decode_all(&crlf), want, "{name} (CRLF)");
    }
}

#[test]
fn every_byte_boundary_of_a_real_body() {
    // The async-filter fixture: prompt filter results, content, finish, two annotation chunks
    // after the finish, and [DONE] without a trailing newline.
    let (_, body) = common::sse_bodies()
        .into_iter()
        .find(|(n, _)| n == "chat_completion_streaming_async_filter_response.txt")
        .unwrap();
    let want = decode_all(&body);
    for cut in 0..=body.len() {
        assert_eq!(decode_split(&body, &[cut]), want, "cut at {cut}");
    }
}

#[test]
fn the_event_size_limit_on_real_bodies() {
    // A limit of exactly the longest line (or event) passes every recorded body unchanged;
    // one byte less stops the decoder, whole or split at any of a few points.
    for (name, body) in common::sse_bodies() {
        let events = decode_all(&body);
        let longest = body
            .split(|&c| c == b'\n' || c == b'\r')
            .map(<[u8]>::len)
            .chain(events.iter().map(String::len))
            .max()
            .unwrap();
        for cut in [0, body.len() / 3, body.len() / 2, body.len()] {
            let run = |max: usize| {
                let mut d = SseDecoder::with_max_event_size(max);
                let mut out = Vec::new();
                d.feed(&body[..cut], &mut |e| out.push(e.to_string()));
                d.feed(&body[cut..], &mut |e| out.push(e.to_string()));
                d.finish(&mut |e| out.push(e.to_string()));
                (out, d.overflowed())
            };
            assert_eq!(run(longest), (events.clone(), false), "{name}");
            let (some, over) = run(longest - 1);
            assert!(
                over && some.len() < events.len() && events.starts_with(&some),
                "{name}"
            );
        }
    }
}

/// What the chat parser delivers from a body: text, tool-call arguments per index, finish.
fn parse_all(body: &[u8]) -> (String, Vec<(u32, String)>, Option<FinishReason>) {
    let mut batch = ChunkBatch::default();
    let mut done = false;
    for e in decode_all(body) {
        if done {
            panic!("event after [DONE]");
        }
        if let StreamEvent::Done = parse_stream_event(&e, &mut batch).unwrap() {
            done = true;
        }
    }
    let mut args: Vec<(u32, String)> = Vec::new();
    let mut finish = None;
    let chunks = batch.chunks();
    for c in &chunks {
        for d in &c.tool_call_deltas {
            match args.iter_mut().find(|(i, _)| *i == d.index) {
                Some((_, s)) => s.push_str(d.arguments.as_deref().unwrap_or("")),
                None => args.push((d.index, d.arguments.clone().unwrap_or_default())),
            }
        }
        finish = c.finish_reason.or(finish);
    }
    (
        chunks.iter().map(|c| c.delta.as_str()).collect(),
        args,
        finish,
    )
}

/// The same, read with serde_json::Value: an independent reading of the wire format.
fn reference_parse(body: &[u8]) -> (String, Vec<(u32, String)>) {
    let mut text = String::new();
    let mut args: Vec<(u32, String)> = Vec::new();
    for e in common::reference_events(body) {
        if e == "[DONE]" {
            break;
        }
        let v: Value = serde_json::from_str(&e).unwrap();
        for ch in v["choices"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["index"].as_u64().unwrap_or(0) == 0)
        {
            if let Some(s) = ch["delta"]["content"].as_str() {
                text.push_str(s);
            }
            for tc in ch["delta"]["tool_calls"].as_array().into_iter().flatten() {
                let i = tc["index"].as_u64().unwrap() as u32;
                let a = tc["function"]["arguments"].as_str().unwrap_or("");
                match args.iter_mut().find(|(k, _)| *k == i) {
                    Some((_, s)) => s.push_str(a),
                    None => args.push((i, a.to_string())),
                }
            }
        }
    }
    (text, args)
}

#[test]
fn chat_parser_reads_every_recorded_stream() {
    let mut with_text = 0;
    let mut with_tools = 0;
    for (name, body) in common::sse_bodies() {
        if name.starts_with("completions_") || name.starts_with("text_completion") {
            continue; // legacy /completions streams carry `text`, not chat deltas
        }
        let (text, args, finish) = parse_all(&body);
        let (want_text, want_args) = reference_parse(&body);
        assert_eq!(text, want_text, "{name}");
        assert_eq!(args, want_args, "{name}");
        if !want_text.is_empty() {
            with_text += 1;
        }
        if !want_args.is_empty() {
            with_tools += 1;
            assert_eq!(finish, Some(FinishReason::ToolCalls), "{name}");
        }
    }
    assert!(
        with_text >= 3 && with_tools >= 5,
        "text {with_text}, tools {with_tools}"
    );
}

#[test]
fn non_streaming_fixtures() {
    let dir = common::azure_dir().join("fixtures");
    let r = parse_response(&std::fs::read(dir.join("chat_completion_test_response.json")).unwrap())
        .unwrap();
    assert_eq!(r.content, "Test chat response");
    assert_eq!(r.finish_reason, FinishReason::Stop);
    assert_eq!(r.usage.unwrap().total_tokens, 155);
    let r = parse_response(
        &std::fs::read(dir.join("chat_completion_multiple_function_calls_test_response.json"))
            .unwrap(),
    )
    .unwrap();
    let calls = r.tool_calls.unwrap();
    assert!(calls.len() >= 2);
    assert_eq!(r.finish_reason, FinishReason::ToolCalls);
    // The recorded 200s with prompt_filter_results and tool_calls.
    let rec: Value = serde_json::from_slice(
        &std::fs::read(
            common::azure_dir().join("recordings/chat_tool_choice_nonstreaming_404_429_retry.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut seen = std::collections::BTreeMap::new();
    for e in rec["Entries"].as_array().unwrap() {
        let status = e["StatusCode"].as_u64().unwrap() as u16;
        let body = serde_json::to_vec(&e["ResponseBody"]).unwrap();
        let headers: Vec<(String, String)> = e["ResponseHeaders"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str().unwrap_or("").to_string()))
            .collect();
        if status == 200 {
            let r = parse_response(&body).unwrap();
            assert!(r.tool_calls.is_some());
        } else {
            let err = error_from_response(
                status,
                &headers,
                &body,
                None,
                &llm_edge::providers::azure::HINTS,
            );
            seen.insert(status, err.clone());
            if status == 429 {
                assert_eq!(err.code, ErrorCode::RateLimited);
                assert_eq!(err.retry_after_ms, Some(5000));
                assert!(
                    !err.code.is_failover(),
                    "quota is per deployment: no failover"
                );
            }
            if status == 404 {
                assert_eq!(err.code, ErrorCode::NotFound);
                assert!(err
                    .message
                    .contains("Unrecognized request argument supplied: tools"));
            }
        }
    }
    assert!(seen.contains_key(&404) && seen.contains_key(&429));
    let rec: Value = serde_json::from_slice(
        &std::fs::read(
            common::azure_dir().join("recordings/error_400_embeddings_invalid_input.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let e = &rec["Entries"][0];
    let err = error_from_response(
        400,
        &[],
        &serde_json::to_vec(&e["ResponseBody"]).unwrap(),
        None,
        &llm_edge::providers::azure::HINTS,
    );
    assert_eq!(err.code, ErrorCode::BadRequest);
    assert!(err.message.contains("'$.input' is invalid"));
}

#[test]
fn garbage_never_panics() {
    let mut b = ChunkBatch::default();
    for junk in [
        "",
        "{}",
        "null",
        "[]",
        "{\"choices\":7}",
        "{\"choices\":[{\"delta\":{\"content\":5}}]}",
        "\u{0}",
        "{\"error\":{}}",
    ] {
        let _ = parse_stream_event(junk, &mut b);
        let _ = parse_response(junk.as_bytes());
        let _ = error_from_response(
            500,
            &[],
            junk.as_bytes(),
            None,
            &llm_edge::providers::azure::HINTS,
        );
    }
}

proptest! {
    // 300 cases per property in CI; PROPTEST_CASES=200000 for a long run.
    #![proptest_config(ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300)))]

    #[test]
    fn any_split_of_any_recording_gives_the_same_events(which in 0usize..64, cuts in proptest::collection::vec(0usize..200_000, 0..8)) {
        let bodies = common::sse_bodies();
        let (name, body) = &bodies[which % bodies.len()];
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (body.len() + 1)).collect();
        cuts.sort();
        prop_assert_eq!(decode_split(body, &cuts), decode_all(body), "{}", name);
    }

    #[test]
    fn decoder_and_parsers_never_panic_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512), cut in 0usize..512) {
        let cut = cut.min(bytes.len());
        let events = decode_split(&bytes, &[cut]);
        let mut b = ChunkBatch::default();
        for e in &events {
            let _ = parse_stream_event(e, &mut b);
        }
        let _ = b.chunks();
        let _ = parse_response(&bytes);
        let _ = error_from_response(503, &[], &bytes, None, &llm_edge::providers::azure::HINTS);
    }

    #[test]
    fn arbitrary_text_events_round_trip(texts in proptest::collection::vec("\\PC{0,12}", 1..20), cuts in proptest::collection::vec(0usize..4000, 0..6)) {
        let mut body = String::new();
        for t in &texts {
            body.push_str(&format!("data: {}\n\n", serde_json::json!({"choices":[{"index":0,"delta":{"content":t}}]})));
        }
        body.push_str("data: [DONE]");
        let bytes = body.as_bytes();
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (bytes.len() + 1)).collect();
        cuts.sort();
        let mut batch = ChunkBatch::default();
        for e in decode_split(bytes, &cuts) {
            parse_stream_event(&e, &mut batch).unwrap();
        }
        let got: String = batch.chunks().iter().map(|c| c.delta.clone()).collect();
        prop_assert_eq!(got, texts.concat());
    }
}
