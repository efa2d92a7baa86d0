#![cfg(not(target_arch = "wasm32"))]
//! The Converse wire (bodies, answers, stream events, errors) against the recorded examples
//! in tests/data/bedrock, and whole calls through the executor with a scripted transport:
//! SigV4 and API-key requests, ConverseStream over real event-stream framing, failover
//! across regions and from Azure to Bedrock.

use futures::StreamExt;
use llm_edge::core::cancel::CancelToken;
use llm_edge::core::context::RequestContext;
use llm_edge::core::maybe_send::{boxed, BoxFuture};
use llm_edge::core::message::{
    Content, ContentPart, FunctionCall, ImageUrl, Message, Role, ToolCall,
};
use llm_edge::core::params::GenerationParams;
use llm_edge::core::response::{ChunkBatch, FinishReason};
use llm_edge::providers::bedrock::converse::{
    build_converse_payload, error_from_converse, parse_converse_event, parse_converse_response,
    StreamState,
};
use llm_edge::providers::chat_wire::standard_wire_params;
use llm_edge::transport::{
    BodyReader, Clock, HttpRequest, HttpResponse, Transport, TransportError,
};
use llm_edge::wire::eventstream::EventStreamDecoder;
use llm_edge::wire::FrameDecoder;
use llm_edge::ErrorCode;
use serde_json::{json, Value};
use std::fs;
use std::sync::{Arc, Mutex};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/bedrock");

fn data(rel: &str) -> Vec<u8> {
    fs::read(format!("{DATA}/{rel}")).unwrap()
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park_timeout(std::time::Duration::from_millis(5));
    }
}

#[test]
fn messages_and_parameters_become_a_converse_body() {
    let tool = Message {
        role: Role::Tool,
        content: Some(Content::Text("21°C".into())),
        name: None,
        tool_calls: None,
        tool_call_id: Some("t1".into()),
    };
    let messages = vec![
        Message::system("Be terse."),
        Message {
            role: Role::User,
            content: Some(Content::Parts(vec![
                ContentPart::Text {
                    text: "What is here?".into(),
                },
                ContentPart::ImageUrl {
                    image_url: ImageUrl {
                        url: "data:image/png;base64,iVBORw0KGgo=".into(),
                        detail: None,
                    },
                },
            ])),
            name: None,
            tool_calls: None,
            tool_call_id: None,
        },
        Message {
            role: Role::Assistant,
            content: None,
            name: None,
            tool_calls: Some(vec![ToolCall {
                id: "t1".into(),
                kind: "function".into(),
                function: FunctionCall {
                    name: "weather".into(),
                    arguments: "{\"city\":\"Paris\"}".into(),
                },
            }]),
            tool_call_id: None,
        },
        tool,
        Message::user("Thanks"),
    ];
    let params = GenerationParams::from_json(r#"{"maxTokens":100,"temperature":0.5,"topP":0.9,"stop":"END","seed":3,"tools":[{"type":"function","function":{"name":"weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],"toolChoice":"required","extra":{"top_k":40,"guardrailConfig":{"guardrailIdentifier":"g","guardrailVersion":"1"}}}"#).unwrap();
    let body = build_converse_payload(
        &messages,
        &standard_wire_params(&params),
        params.extra.as_deref(),
    )
    .unwrap();
    let got: Value = serde_json::from_str(&body).unwrap();
    let want = json!({
        "messages": [
            {"role": "user", "content": [{"text": "What is here?"}, {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}}]},
            {"role": "assistant", "content": [{"toolUse": {"toolUseId": "t1", "name": "weather", "input": {"city": "Paris"}}}]},
            {"role": "user", "content": [{"toolResult": {"toolUseId": "t1", "content": [{"text": "21°C"}]}}, {"text": "Thanks"}]}
        ],
        "system": [{"text": "Be terse."}],
        "inferenceConfig": {"maxTokens": 100, "temperature": 0.5, "topP": 0.9, "stopSequences": ["END"]},
        "toolConfig": {"tools": [{"toolSpec": {"name": "weather", "description": "Weather", "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}}}}}], "toolChoice": {"any": {}}},
        "guardrailConfig": {"guardrailIdentifier": "g", "guardrailVersion": "1"},
        "additionalModelRequestFields": {"top_k": 40}
    });
    assert_eq!(got, want);
    // Remote images cannot be sent: Bedrock takes bytes.
    let remote = Message {
        content: Some(Content::Parts(vec![ContentPart::ImageUrl {
            image_url: ImageUrl {
                url: "https://x/y.png".into(),
                detail: None,
            },
        }])),
        ..Message::user("")
    };
    let e = build_converse_payload(&[remote], &Default::default(), None).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
}

#[test]
fn converse_answers_parse() {
    let a = parse_converse_response(&data("examples/vercel-ai_converse_response_text.json"), "m")
        .unwrap();
    assert!(a.content.starts_with("Let me count the \"r\"s"));
    assert_eq!(a.finish_reason, FinishReason::Stop);
    let u = a.usage.unwrap();
    assert_eq!(
        (u.prompt_tokens, u.completion_tokens, u.total_tokens),
        (22, 57, 79)
    );
    let t = parse_converse_response(
        &data("examples/vercel-ai_converse_response_tool-call.json"),
        "m",
    )
    .unwrap();
    assert_eq!(t.finish_reason, FinishReason::ToolCalls);
    let calls = t.tool_calls.unwrap();
    assert_eq!(calls[0].id, "tool-use-id");
    assert_eq!(calls[0].function.name, "bash");
    let args: Value = serde_json::from_str(&calls[0].function.arguments).unwrap();
    assert_eq!(args, json!({"command": "ls -l"}));
    assert_eq!(
        parse_converse_response(b"{\"nope\":1}", "m")
            .unwrap_err()
            .code,
        ErrorCode::Parse
    );
}

fn decode_stream(rel: &str) -> (ChunkBatch, Option<llm_edge::LlmError>) {
    let body = data(rel);
    let mut d = EventStreamDecoder::with_max_event_size(1 << 20);
    let mut state = StreamState::default();
    let mut batch = ChunkBatch::default();
    let mut err = None;
    d.feed(&body, &mut |ev| {
        if err.is_none() {
            if let Err(e) = parse_converse_event(ev, &mut state, &mut batch) {
                err = Some(e);
            }
        }
    })
    .unwrap();
    (batch, err)
}

#[test]
fn converse_stream_events_parse() {
    let (b, err) = decode_stream("synthetic-converse-stream/text.bin");
    assert!(err.is_none());
    let want: Vec<Value> =
        serde_json::from_slice(&data("synthetic-converse-stream/text.bin.expected.json")).unwrap();
    let text: String = want
        .iter()
        .filter_map(|e| e["payload"]["delta"]["text"].as_str())
        .collect();
    assert_eq!(b.text, text);
    let chunks = b.chunks();
    assert!(chunks
        .iter()
        .any(|c| c.finish_reason == Some(FinishReason::Stop)));
    assert!(
        chunks.last().unwrap().usage.is_some(),
        "metadata arrives after messageStop"
    );

    let (b, err) = decode_stream("synthetic-converse-stream/tool-call.bin");
    assert!(err.is_none());
    let deltas: Vec<_> = b
        .chunks()
        .into_iter()
        .flat_map(|c| c.tool_call_deltas)
        .collect();
    assert!(deltas.iter().all(|d| d.index == 0), "{deltas:?}");
    assert!(deltas[0].id.is_some() && deltas[0].name.is_some());
    let args: String = deltas.iter().filter_map(|d| d.arguments.clone()).collect();
    serde_json::from_str::<Value>(&args).expect("the input fragments join into JSON");
    assert!(b
        .chunks()
        .iter()
        .any(|c| c.finish_reason == Some(FinishReason::ToolCalls)));

    let (b, err) = decode_stream("synthetic-converse-stream/text-then-throttling-exception.bin");
    assert!(!b.text.is_empty());
    let e = err.unwrap();
    assert_eq!(e.code, ErrorCode::RateLimited);
    assert_eq!(e.provider_code.as_deref(), Some("throttlingException"));
}

#[test]
fn reasoning_is_kept_apart_from_text() {
    let text = String::from_utf8(data(
        "examples/vercel-ai_converse-stream_reasoning.chunks.txt",
    ))
    .unwrap();
    let mut state = StreamState::default();
    let mut b = ChunkBatch::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        parse_converse_event(line, &mut state, &mut b).unwrap();
    }
    let reasoning: String = b
        .chunks()
        .iter()
        .filter_map(|c| c.reasoning.clone())
        .collect();
    assert!(reasoning.starts_with("Let me count the r"), "{reasoning}");
    assert!(!b.text.contains("Let me count the r"));
}

#[test]
fn stream_exceptions_and_error_bodies_map_to_codes() {
    let mut s = StreamState::default();
    let mut b = ChunkBatch::default();
    for (kind, code) in [
        ("throttlingException", ErrorCode::RateLimited),
        ("modelStreamErrorException", ErrorCode::ServiceUnavailable),
        ("internalServerException", ErrorCode::ServiceUnavailable),
        ("serviceUnavailableException", ErrorCode::ServiceUnavailable),
        ("validationException", ErrorCode::BadRequest),
        ("accessDeniedException", ErrorCode::PermissionDenied),
    ] {
        let ev = format!(r#"{{"{kind}":{{"message":"m"}},"__exception":true}}"#);
        assert_eq!(
            parse_converse_event(&ev, &mut s, &mut b).unwrap_err().code,
            code,
            "{kind}"
        );
    }
    let h = |v: &str| vec![("x-amzn-errortype".to_string(), v.to_string())];
    let e = error_from_converse(
        400,
        &h("ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/"),
        br#"{"message":"bad"}"#,
        None,
    );
    assert_eq!(
        (e.code, e.provider_code.as_deref(), e.message.as_str()),
        (
            ErrorCode::BadRequest,
            Some("ValidationException"),
            "HTTP 400: bad"
        )
    );
    let e = error_from_converse(
        403,
        &[],
        br#"{"Message":"Authentication failed: Please make sure your API Key is valid."}"#,
        None,
    );
    assert_eq!(e.code, ErrorCode::PermissionDenied);
    assert!(e.message.contains("API Key"));
    let e = error_from_converse(
        424,
        &h("ModelErrorException"),
        br#"{"message":"model failed"}"#,
        None,
    );
    assert_eq!(e.code, ErrorCode::ServiceUnavailable);
    let e = error_from_converse(429, &[], br#"{"message":"Too many requests"}"#, None);
    assert_eq!(e.code, ErrorCode::RateLimited);
    let e = error_from_converse(403, &[], br#"{"message":"Signature expired: 20250101T000000Z is now earlier than 20250101T001000Z (20250101T000500Z - 5 min.)"}"#, None);
    assert_eq!(e.code, ErrorCode::Authentication);
}

// ---- whole calls through the executor

struct WallClock;
impl Clock for WallClock {
    fn now_ms(&self) -> f64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64()
            * 1000.0
    }
    fn sleep(&self, _ms: f64) -> BoxFuture<'static, ()> {
        boxed(async {})
    }
    fn epoch_ms(&self) -> Option<f64> {
        Some(1_750_000_000_000.0) // 2025-06-15T15:06:40Z
    }
}

struct Body(Vec<Vec<u8>>);
impl BodyReader for Body {
    fn read(&mut self) -> BoxFuture<'_, Result<Option<Vec<u8>>, TransportError>> {
        let next = if self.0.is_empty() {
            None
        } else {
            Some(self.0.remove(0))
        };
        boxed(async move { Ok(next) })
    }
    fn cancel(&mut self) {}
}

/// Answers by URL substring: (status, content type, body split in pieces).
struct Scripted {
    routes: Vec<(&'static str, u16, &'static str, Vec<u8>)>,
    seen: Mutex<Vec<HttpRequest>>,
}
impl Transport for Scripted {
    fn send(
        &self,
        req: HttpRequest,
        _c: CancelToken,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        let r = self.routes.iter().find(|r| req.url.contains(r.0)).cloned();
        self.seen.lock().unwrap().push(req);
        boxed(async move {
            let (_, status, ct, body) = r.ok_or(TransportError::Connection("no route".into()))?;
            // Split every 7 bytes: frames arrive cut anywhere.
            let pieces = body.chunks(7).map(|c| c.to_vec()).collect();
            Ok(HttpResponse {
                status,
                headers: vec![("content-type".into(), ct.into())],
                body: Box::new(Body(pieces)),
            })
        })
    }
}

fn model(config: &str, t: Arc<Scripted>) -> llm_edge::registry::Model {
    llm_edge::registry::create(config, Vec::new(), t, Arc::new(WallClock)).unwrap()
}

const ES: &str = "application/vnd.amazon.eventstream";

#[test]
fn a_stream_fails_over_across_regions_with_sigv4() {
    let t = Arc::new(Scripted {
        routes: vec![
            (
                "us-east-1",
                503,
                "application/json",
                br#"{"message":"unavailable"}"#.to_vec(),
            ),
            (
                "us-west-2",
                200,
                ES,
                data("synthetic-converse-stream/text.bin"),
            ),
        ],
        seen: Mutex::default(),
    });
    let m = model(
        r#"{"provider":"bedrock","model":"anthropic.claude-3-haiku-20240307-v1:0","region":"us-east-1","credentials":{"accessKeyId":"AKIDEXAMPLE","secretAccessKey":"secret-key-xyz","sessionToken":"tok-123456"},"backups":[{"region":"us-west-2"}]}"#,
        t.clone(),
    );
    let mut s = m.llm.stream_answer(
        vec![Message::user("hi")],
        RequestContext::default(),
        GenerationParams::default(),
    );
    let mut text = String::new();
    let mut finish = None;
    block_on(async {
        while let Some(b) = s.next().await {
            let b = b.unwrap();
            text.push_str(&b.text);
            for c in b.chunks() {
                finish = finish.or(c.finish_reason);
            }
        }
    });
    assert!(text.starts_with("Let me count"), "{text}");
    assert_eq!(finish, Some(FinishReason::Stop));
    let seen = t.seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].url, "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream");
    let h = |r: &HttpRequest, n: &str| {
        r.headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    };
    let auth = h(&seen[1], "authorization").unwrap();
    assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250615/us-west-2/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="), "{auth}");
    assert_eq!(
        h(&seen[1], "x-amz-date").as_deref(),
        Some("20250615T150640Z")
    );
    assert_eq!(
        h(&seen[1], "x-amz-security-token").as_deref(),
        Some("tok-123456")
    );
    let body: Value = serde_json::from_str(seen[1].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"messages": [{"role": "user", "content": [{"text": "hi"}]}]})
    );
}

#[test]
fn azure_fails_over_to_bedrock_with_an_api_key() {
    let t = Arc::new(Scripted {
        routes: vec![
            (
                "openai.azure.com",
                500,
                "application/json",
                br#"{"error":{"message":"boom"}}"#.to_vec(),
            ),
            (
                "bedrock-runtime.eu-central-1",
                200,
                "application/json",
                data("examples/vercel-ai_converse_response_text.json"),
            ),
        ],
        seen: Mutex::default(),
    });
    let m = model(
        r#"{"provider":"azure","model":"gpt-4o","endpoint":"https://x.openai.azure.com","deploymentName":"d","apiKey":"azure-key","backups":[{"provider":"bedrock","model":"amazon.nova-lite-v1:0","region":"eu-central-1","apiKey":"ABSKbedrock-key"}]}"#,
        t.clone(),
    );
    let a = block_on(m.llm.get_answer(
        vec![Message::user("hi")],
        RequestContext::default(),
        GenerationParams::from_json(r#"{"maxTokens":50}"#).unwrap(),
    ))
    .unwrap();
    assert!(a.content.starts_with("Let me count"));
    assert_eq!(
        a.endpoint,
        "https://bedrock-runtime.eu-central-1.amazonaws.com"
    );
    assert_eq!(a.attempts.len(), 2);
    let seen = t.seen.lock().unwrap();
    let auth = seen[1]
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .unwrap();
    assert_eq!(auth.1, "Bearer ABSKbedrock-key");
    assert!(seen[1]
        .url
        .ends_with("/model/amazon.nova-lite-v1%3A0/converse"));
    let body: Value = serde_json::from_str(seen[1].body.as_deref().unwrap()).unwrap();
    assert_eq!(body["inferenceConfig"], json!({"maxTokens": 50}));
}

#[test]
fn bedrock_models_are_listed_with_prices() {
    let m = llm_edge::registry::find_model("us.anthropic.claude-3-5-haiku-20241022-v1:0").unwrap();
    assert_eq!(m.provider, "bedrock");
    assert_eq!(m.pricing.input_per_m_tok, Some(0.80));
    assert!(llm_edge::registry::find_model("amazon.nova-pro-v1:0").is_some());
}
