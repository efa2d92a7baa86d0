//! The wasm scenarios shared by the Node and browser runs of wasm-bindgen-test: the Rust
//! API through the runtime's own fetch, against the emulator.
#![allow(dead_code)]

/// Declares every shared scenario as a wasm-bindgen test in the including file.
macro_rules! wasm_scenarios {
    ($($name:ident),* $(,)?) => {
        $(
            #[wasm_bindgen_test::wasm_bindgen_test]
            async fn $name() {
                shared::$name().await
            }
        )*
    };
}
pub(crate) use wasm_scenarios;

/// The scenarios, for `wasm_scenarios!`.
#[macro_export]
macro_rules! all_wasm_scenarios {
    () => {
        shared::wasm_scenarios!(
            get_answer_through_fetch,
            stream_answer_through_fetch,
            bad_input_is_refused_with_its_code,
            http_errors_map_to_codes
        );
    };
}

use futures::StreamExt;
use llm_edge::bindings::fetch::{FetchTransport, JsClock};
use llm_edge::core::context::RequestContext;
use llm_edge::core::message::Message;
use llm_edge::core::params::GenerationParams;
use llm_edge::{registry, ErrorCode};
use std::sync::Arc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(
    inline_js = "export function emulator_url_at_run_time() { return (globalThis.process && process.env.LLM_EDGE_EMULATOR_URL) || ''; }"
)]
extern "C" {
    fn emulator_url_at_run_time() -> String;
}

/// The emulator's URL: from the environment when the tests were built (browsers have no
/// process.env), else at run time (Node).
fn emulator_url() -> String {
    match option_env!("LLM_EDGE_EMULATOR_URL") {
        Some(u) if !u.is_empty() => u.to_string(),
        _ => emulator_url_at_run_time(),
    }
}

fn model(name: &str) -> registry::Model {
    let url = emulator_url();
    assert!(
        !url.is_empty(),
        "set LLM_EDGE_EMULATOR_URL (the test script starts the emulator)"
    );
    let cfg = format!(
        r#"{{"provider":"azure","model":"{name}","endpoint":"{url}","deploymentName":"{name}","apiKey":"test-key"}}"#
    );
    match registry::create(
        &cfg,
        vec![],
        Arc::new(FetchTransport::default()),
        Arc::new(JsClock),
    ) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

pub async fn get_answer_through_fetch() {
    let m = model("gpt-4.1-mini");
    let r = m
        .llm
        .get_answer(
            vec![Message::user("hello from rust")],
            RequestContext::default(),
            GenerationParams {
                max_tokens: Some(50),
                ..Default::default()
            },
        )
        .await;
    let r = r.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.content, "You said: hello from rust");
    assert_eq!(r.attempts.len(), 1);
}

pub async fn stream_answer_through_fetch() {
    let m = model("gpt-4o");
    let mut s = m.llm.stream_answer(
        vec![Message::user("[[words:300]]")],
        RequestContext::default(),
        GenerationParams::default(),
    );
    let mut text = String::new();
    let mut finish = None;
    while let Some(batch) = s.next().await {
        let batch = batch.unwrap_or_else(|e| panic!("{e}"));
        for c in batch.chunks() {
            text.push_str(&c.delta);
            finish = c.finish_reason.or(finish);
        }
    }
    assert_eq!(text.split_whitespace().count(), 300);
    assert_eq!(finish.map(|f| f.as_str()), Some("stop"));
}

pub async fn bad_input_is_refused_with_its_code() {
    let m = model("gpt-4o");
    let bad = Message {
        role: llm_edge::core::message::Role::Tool,
        ..Message::user("x")
    };
    let e = m
        .llm
        .get_answer(
            vec![bad],
            RequestContext::default(),
            GenerationParams::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    let e = m
        .llm
        .get_answer(
            vec![Message::user("x")],
            RequestContext::default(),
            GenerationParams {
                max_tokens: Some(1_000_000),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::TokenLimitExceeded);
}

pub async fn http_errors_map_to_codes() {
    let m = model("gpt-4o");
    for (fault, code) in [
        ("401", ErrorCode::Authentication),
        ("429", ErrorCode::RateLimited),
        ("503", ErrorCode::ServiceUnavailable),
    ] {
        let e = m
            .llm
            .get_answer(
                vec![Message::user(format!("[[fault:{fault}]]"))],
                RequestContext::default(),
                GenerationParams::default(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, code, "{fault}");
    }
}
