#![cfg(not(target_arch = "wasm32"))]
//! Usage details and cost: the figures must match the providers' pricing formula
//! (per million tokens: uncached input × input price + cached input × cached-input price +
//! output × output price, reasoning tokens billed as output) on recorded answers.

use llm_edge::core::response::Usage;
use llm_edge::providers::chat_wire::parse_response;
use llm_edge::registry::find_model;

const PER_M: f64 = 1_000_000.0;

#[test]
fn a_recorded_azure_answer_priced_by_the_formula() {
    let body =
        std::fs::read("tests/data/azure/fixtures/chat_completion_test_response.json").unwrap();
    let u = parse_response(&body).unwrap().usage.unwrap();
    assert_eq!(
        (u.prompt_tokens, u.completion_tokens, u.total_tokens),
        (55, 100, 155)
    );
    assert_eq!((u.cached_input_tokens, u.reasoning_tokens), (None, None));
    // gpt-4o: $2.50 in, $10.00 out per million (the table's Global Standard prices).
    let p = find_model("gpt-4o").unwrap().pricing;
    let want = 55.0 * 2.50 / PER_M + 100.0 * 10.00 / PER_M;
    assert!((u.cost(&p).unwrap() - want).abs() < 1e-12);
}

#[test]
fn cached_and_reasoning_tokens_from_the_details() {
    // The shape of OpenAI's and Azure's usage object (prompt_tokens_details,
    // completion_tokens_details), as in the OpenAI spec's chat completion example.
    let body = br#"{"id":"x","object":"chat.completion","model":"o4-mini","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
      "usage":{"prompt_tokens":2000,"completion_tokens":500,"total_tokens":2500,
               "prompt_tokens_details":{"cached_tokens":1536,"audio_tokens":0},
               "completion_tokens_details":{"reasoning_tokens":320,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}"#;
    let u = parse_response(body).unwrap().usage.unwrap();
    assert_eq!(u.cached_input_tokens, Some(1536));
    assert_eq!(u.reasoning_tokens, Some(320));
    // o4-mini: $1.10 in, $0.275 cached in, $4.40 out.
    let p = find_model("o4-mini").unwrap().pricing;
    let want = (2000.0 - 1536.0) * 1.10 / PER_M + 1536.0 * 0.275 / PER_M + 500.0 * 4.40 / PER_M;
    assert!(
        (u.cost(&p).unwrap() - want).abs() < 1e-12,
        "{:?} vs {want}",
        u.cost(&p)
    );
}

#[test]
fn a_litellm_stream_usage_chunk_and_unpriced_models() {
    // Captured from LiteLLM's proxy (usage beside an empty-delta choice, reasoning 0).
    let mut b = llm_edge::core::response::ChunkBatch::default();
    llm_edge::providers::chat_wire::parse_stream_event(
        r#"{"id":"c","created":1,"model":"gpt-4o-mock","object":"chat.completion.chunk","choices":[{"index":0,"delta":{}}],"usage":{"completion_tokens":15,"prompt_tokens":9,"total_tokens":24,"completion_tokens_details":{"reasoning_tokens":0}}}"#,
        &mut b,
    )
    .unwrap();
    let u = b.chunks()[0].usage.unwrap();
    assert_eq!(
        (u.prompt_tokens, u.completion_tokens, u.reasoning_tokens),
        (9, 15, Some(0))
    );
    // A model with no listed prices has no cost, rather than a made-up zero.
    let none = Usage {
        prompt_tokens: 10,
        ..Default::default()
    };
    assert_eq!(none.cost(&Default::default()), None);
}
