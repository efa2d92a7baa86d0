//! Request bodies, URLs and parsers against the spec examples copied into tests/data
//! (tests/data/azure/media, tests/data/openai; provenance in their SOURCES.md).

use super::*;
use crate::config::{AzureSpec, AzureStyle, OpenAiSpec};
use crate::models;
use crate::providers::azure::AzureTarget;
use crate::providers::openai::OpenAiTarget;
use crate::providers::{Auth, Secret};
use crate::wire::sse::decode_all;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");

fn data(path: &str) -> String {
    std::fs::read_to_string(format!("{DATA}{path}")).unwrap()
}

fn azure(model: &str, style: AzureStyle) -> AzureTarget {
    let spec = AzureSpec {
        base: crate::providers::url::parse_base("https://res.openai.azure.com", false).unwrap(),
        deployment: "dep".into(),
        api_version: None,
        style,
    };
    let profile = models::resolve(model, "azure", None).unwrap();
    AzureTarget::new(spec, Auth::Key(Secret("k".repeat(32))), &[], 1.0, profile)
}

fn openai(model: &str) -> OpenAiTarget {
    let spec = OpenAiSpec {
        base: crate::providers::url::parse_base("https://api.openai.com/v1", false).unwrap(),
        organization: None,
        project: None,
        model_name: None,
    };
    let profile = models::resolve(model, "openai", None).unwrap();
    OpenAiTarget::new(
        spec,
        Auth::Key(Secret("sk-test-0123456789".into())),
        &[],
        1.0,
        profile,
    )
}

fn op(image: bool, text: &str, params: &str, stream: bool) -> MediaOp {
    let known = if image { IMAGE_FIELDS } else { SPEECH_FIELDS };
    MediaOp {
        text: text.into(),
        image,
        stream,
        p: Fields::read(params, "params", known).unwrap(),
        finals: Lock::default(),
        raw_seen: AtomicBool::new(false),
        totals: Default::default(),
        edit: None,
    }
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap()
}

fn block_on<F: core::future::Future>(f: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut cx = std::task::Context::from_waker(&waker);
    let mut f = core::pin::pin!(f);
    loop {
        if let core::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park_timeout(std::time::Duration::from_millis(5));
    }
}

fn url(t: &dyn Target, kind: OpKind) -> String {
    let ctx = RequestContext::default();
    block_on(t.prepare(kind, String::new(), &ctx))
        .unwrap()
        .request
        .url
}

#[test]
fn urls_per_provider_and_style() {
    let img = OpKind::Image { stream: false };
    assert_eq!(
        url(&azure("gpt-image-1", AzureStyle::Deployments), img),
        "https://res.openai.azure.com/openai/deployments/dep/images/generations?api-version=2025-04-01-preview"
    );
    assert_eq!(
        url(
            &azure("tts-1", AzureStyle::V1),
            OpKind::Speech { stream: true }
        ),
        "https://res.openai.azure.com/openai/v1/audio/speech?api-version=preview"
    );
    assert_eq!(
        url(&openai("dall-e-3"), img),
        "https://api.openai.com/v1/images/generations"
    );
    assert_eq!(
        url(&openai("gpt-4o-mini-tts"), OpKind::Speech { stream: false }),
        "https://api.openai.com/v1/audio/speech"
    );
    // Chat is unchanged.
    assert_eq!(
        url(
            &azure("gpt-4.1-mini", AzureStyle::V1),
            OpKind::Chat { stream: false }
        ),
        "https://res.openai.azure.com/openai/v1/chat/completions"
    );
}

#[test]
fn dalle3_body_matches_the_azure_example() {
    // 2025-04-01-preview_generated_image_generation.json: the request body of the example.
    let ex = json(&data(
        "azure/media/2025-04-01-preview_generated_image_generation.json",
    ));
    let body = &ex["parameters"]["body"];
    let params = r#"{"n":1,"style":"natural","quality":"standard"}"#;
    let o = op(true, body["prompt"].as_str().unwrap(), params, false);
    let t = azure("dall-e-3", AzureStyle::Deployments);
    o.check(&t).unwrap();
    assert_eq!(&json(&o.body(&t).unwrap()), body);
}

#[test]
fn gpt_image_body_on_openai_matches_the_spec_example() {
    // The spec's curl example: {"model","prompt","n","size"} (and "stream": true streamed).
    let t = openai("gpt-image-1");
    let o = op(
        true,
        "A cute baby sea otter",
        r#"{"n":1,"size":"1024x1024"}"#,
        false,
    );
    o.check(&t).unwrap();
    assert_eq!(
        json(&o.body(&t).unwrap()),
        json(
            r#"{"model":"gpt-image-1","prompt":"A cute baby sea otter","n":1,"size":"1024x1024"}"#
        )
    );
    let params = r#"{"size":"1536x1024","quality":"low","outputFormat":"webp","outputCompression":50,"background":"opaque","partialImages":2,"user":"u1","extra":{"moderation":"low"}}"#;
    let o = op(true, "otter", params, true);
    o.check(&t).unwrap();
    assert_eq!(
        json(&o.body(&t).unwrap()),
        json(
            r#"{"model":"gpt-image-1","prompt":"otter","size":"1536x1024","quality":"low","output_format":"webp","output_compression":50,"background":"opaque","user":"u1","stream":true,"partial_images":2,"moderation":"low"}"#
        )
    );
    // On Azure's deployments path the deployment is in the URL, not the body.
    let a = azure("gpt-image-1", AzureStyle::Deployments);
    assert!(json(&o.body(&a).unwrap()).get("model").is_none());
    let v1 = azure("gpt-image-1", AzureStyle::V1);
    assert_eq!(json(&o.body(&v1).unwrap())["model"], "dep");
}

#[test]
fn image_params_are_checked_per_model() {
    let dalle = azure("dall-e-3", AzureStyle::Deployments);
    let gi = azure("gpt-image-1-mini", AzureStyle::Deployments);
    let code = |t: &dyn Target, params: &str, stream: bool| {
        op(true, "a cat", params, stream)
            .check(t)
            .err()
            .map(|e| e.code)
    };
    assert_eq!(
        code(&dalle, r#"{"n":2}"#, false),
        Some(ErrorCode::InvalidInput)
    );
    assert_eq!(
        code(&dalle, r#"{"size":"1536x1024"}"#, false),
        Some(ErrorCode::InvalidInput)
    );
    assert_eq!(
        code(&dalle, r#"{"outputFormat":"png"}"#, false),
        Some(ErrorCode::InvalidInput)
    );
    assert_eq!(
        code(&dalle, "{}", true),
        Some(ErrorCode::UnsupportedOperation)
    );
    assert_eq!(
        code(
            &dalle,
            r#"{"size":"1792x1024","quality":"hd","style":"vivid"}"#,
            false
        ),
        None
    );
    assert_eq!(
        code(&gi, r#"{"style":"vivid"}"#, false),
        Some(ErrorCode::InvalidInput)
    );
    assert_eq!(
        code(&gi, r#"{"outputCompression":80}"#, false),
        Some(ErrorCode::InvalidInput)
    );
    assert_eq!(
        code(
            &gi,
            r#"{"outputFormat":"jpeg","background":"transparent"}"#,
            false
        ),
        Some(ErrorCode::InvalidInput)
    );
    assert_eq!(
        code(&gi, r#"{"n":11}"#, false),
        Some(ErrorCode::InvalidInput)
    );
    assert_eq!(
        code(&gi, r#"{"partialImages":4}"#, true),
        Some(ErrorCode::InvalidInput)
    );
    assert_eq!(
        code(&gi, r#"{"quality":"hd"}"#, false),
        Some(ErrorCode::InvalidInput)
    );
    assert_eq!(
        code(&gi, r#"{"n":"2"}"#, false),
        Some(ErrorCode::InvalidInput)
    );
    assert_eq!(
        code(
            &gi,
            r#"{"outputFormat":"jpeg","outputCompression":80,"n":3}"#,
            true
        ),
        None
    );
    let e = Fields::read(r#"{"colour":"red"}"#, "ImageParams", IMAGE_FIELDS)
        .err()
        .unwrap();
    assert!(e.message.contains("colour"), "{}", e.message);
    assert!(op(true, "  ", "{}", false).check(&gi).is_err());
    assert!(op(true, &"x".repeat(4001), "{}", false)
        .check(&dalle)
        .is_err());
    assert!(op(true, &"x".repeat(4001), "{}", false).check(&gi).is_ok());
    // A chat model behind a media model's config is refused before anything is sent.
    let chat = azure("gpt-4o", AzureStyle::Deployments);
    assert_eq!(code(&chat, "{}", false), Some(ErrorCode::InvalidInput));
}

#[test]
fn parses_the_azure_dalle3_example_answer() {
    let ex = json(&data(
        "azure/media/2025-04-01-preview_generated_image_generation.json",
    ));
    let body = ex["responses"]["200"]["body"].to_string();
    let t = azure("dall-e-3", AzureStyle::Deployments);
    let a = parse_image(&t, body.as_bytes()).unwrap();
    assert_eq!(a.images.len(), 2);
    assert!(a.images[0]
        .url
        .as_deref()
        .unwrap()
        .starts_with("https://dalletipusw2.blob.core.windows.net/"));
    assert_eq!(a.images[0].revised_prompt, None);
    assert_eq!(
        a.images[1].revised_prompt.as_deref(),
        Some("A vivid, natural representation of Microsoft Clippy wearing a cowboy hat.")
    );
    assert_eq!(a.usage, None);
}

#[test]
fn parses_the_openai_gpt_image_example_answer() {
    let t = openai("gpt-image-1");
    let a = parse_image(
        &t,
        data("openai/images_generations_response.json").as_bytes(),
    )
    .unwrap();
    assert_eq!(a.images[0].base64.as_deref(), Some("..."));
    let u = a.usage.unwrap();
    assert_eq!(
        (u.prompt_tokens, u.completion_tokens, u.total_tokens),
        (50, 50, 100)
    );
}

#[test]
#[cfg(feature = "media")] // the refusal reading is built with the media operations
fn refusals_are_content_filter() {
    // A 400 from Azure for a refused dall-e-3 prompt (litellm#16072's body).
    let body = data("azure/media/azure_image_content_policy_violation_400.json");
    let t = azure("dall-e-3", AzureStyle::Deployments);
    let e = t.error(400, &[], body.as_bytes(), None);
    assert_eq!(e.code, ErrorCode::ContentFilter);
    assert!(
        e.message
            .contains("Your request was rejected as a result of our safety system"),
        "{}",
        e.message
    );
    assert_eq!(e.provider_code.as_deref(), Some("content_policy_violation"));
    // With a revised prompt in inner_error, the hint quotes it.
    let with_revised = body.replace(
        r#""code":"ResponsibleAIPolicyViolation","#,
        r#""code":"ResponsibleAIPolicyViolation","revised_prompt":"a calm cat","#,
    );
    let e = t.error(400, &[], with_revised.as_bytes(), None);
    assert!(e.hint.unwrap().contains("a calm cat"));
    // OpenAI's gpt-image refusal code.
    let o = openai("gpt-image-1");
    let e = o.error(400, &[], br#"{"error":{"message":"Your request was rejected by the safety system.","type":"image_generation_user_error","param":null,"code":"moderation_blocked"}}"#, None);
    assert_eq!(e.code, ErrorCode::ContentFilter);
    // Chat errors keep their mapping.
    let e = o.error(
        400,
        &[],
        br#"{"error":{"message":"bad","code":"invalid_value"}}"#,
        None,
    );
    assert_eq!(e.code, ErrorCode::BadRequest);
    // The documented task-failure bodies (a 200 carrying an error).
    let docs = json(&data(
        "azure/media/azure_image_contentFilter_docs_examples.json",
    ));
    for ex in docs.as_array().unwrap() {
        let e = parse_image(&t, ex.to_string().as_bytes()).unwrap_err();
        assert_eq!(e.code, ErrorCode::ContentFilter);
        assert!(e.message.contains("safety system"), "{}", e.message);
    }
    // An image filtered on output: no payload, a filtered category.
    let e = parse_image(&t, br#"{"created":1,"data":[{"content_filter_results":{"violence":{"filtered":true,"severity":"high"}}}]}"#).unwrap_err();
    assert_eq!(e.code, ErrorCode::ContentFilter);
    assert!(e.message.contains("violence"));
}

fn run_events(o: &MediaOp, t: &dyn Target, sse: &str) -> (ChunkBatch, bool) {
    let mut batch = ChunkBatch::default();
    let mut done = false;
    for ev in decode_all(sse.as_bytes()) {
        if let StreamEvent::Done = o.event(t, &ev, &mut batch).unwrap() {
            done = true;
        }
    }
    (batch, done)
}

#[test]
fn partial_images_then_the_final_one() {
    let t = openai("gpt-image-1");
    let o = op(true, "otter", r#"{"partialImages":1}"#, true);
    let (b, _) = run_events(&o, &t, &data("openai/openai_images_generations_stream.sse"));
    assert_eq!(b.text, "......");
    assert_eq!(b.marks.len(), 2);
    assert_eq!(
        (b.marks[0].end, b.marks[0].reasoning.as_deref()),
        (3, Some("0"))
    );
    assert_eq!(b.marks[0].finish_reason, None);
    assert_eq!(b.marks[1].finish_reason, Some(FinishReason::Stop));
    assert_eq!(b.marks[1].usage.unwrap().total_tokens, 100);
    assert!(o.finished(&b, 1));
    assert!(!o.finished(&b, 0) || b.marks.len() > 1);
    let mut e = ChunkBatch::default();
    let err = o
        .event(
            &t,
            r#"{"type":"error","error":{"code":"moderation_blocked","message":"no"}}"#,
            &mut e,
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ContentFilter);
}

#[test]
fn speech_bodies_match_the_examples() {
    // Azure's example: input, response_format mp3, voice fable (deployment in the path).
    let ex = data("azure/media/2025-04-01-preview_audio_speech.yaml");
    assert!(ex.contains("input: Hi! What are you going to make?") && ex.contains("voice: fable"));
    let t = azure("tts-1-hd", AzureStyle::Deployments);
    let o = op(
        false,
        "Hi! What are you going to make?",
        r#"{"format":"mp3","voice":"fable"}"#,
        false,
    );
    o.check(&t).unwrap();
    assert_eq!(
        json(&o.body(&t).unwrap()),
        json(
            r#"{"input":"Hi! What are you going to make?","response_format":"mp3","voice":"fable"}"#
        )
    );
    // OpenAI's streamed example: stream_format "sse" for gpt-4o-mini-tts; none for tts-1.
    let g = openai("gpt-4o-mini-tts");
    let o = op(
        false,
        "The quick brown fox jumped over the lazy dog.",
        r#"{"voice":"alloy"}"#,
        true,
    );
    assert_eq!(
        json(&o.body(&g).unwrap()),
        json(
            r#"{"model":"gpt-4o-mini-tts","input":"The quick brown fox jumped over the lazy dog.","voice":"alloy","stream_format":"sse"}"#
        )
    );
    assert!(o.decoder(&g).is_none());
    let raw = openai("tts-1");
    assert!(json(&o.body(&raw).unwrap()).get("stream_format").is_none());
    assert!(o.decoder(&raw).is_some());
    let o = op(
        false,
        "x",
        r#"{"speed":1.5,"instructions":"calm","format":"wav"}"#,
        false,
    );
    assert_eq!(json(&o.body(&g).unwrap())["voice"], "alloy");
    assert_eq!(o.format(), "wav");
    assert_eq!(audio_mime(&o.format()), "audio/wav");
}

#[test]
fn speech_checks() {
    let g = openai("gpt-4o-mini-tts");
    let t = openai("tts-1");
    let code = |t: &dyn Target, text: &str, params: &str| {
        op(false, text, params, false)
            .check(t)
            .err()
            .map(|e| e.code)
    };
    assert_eq!(code(&g, &"é".repeat(4096), "{}"), None);
    assert_eq!(
        code(&g, &"é".repeat(4097), "{}"),
        Some(ErrorCode::InvalidInput)
    );
    assert_eq!(
        code(&g, "x", r#"{"speed":5}"#),
        Some(ErrorCode::InvalidInput)
    );
    assert_eq!(code(&g, "x", r#"{"speed":0.25,"format":"pcm"}"#), None);
    assert_eq!(
        code(&g, "x", r#"{"format":"ogg"}"#),
        Some(ErrorCode::InvalidInput)
    );
    assert_eq!(
        code(&t, "x", r#"{"instructions":"calm"}"#),
        Some(ErrorCode::InvalidInput)
    );
    assert_eq!(code(&g, "x", r#"{"instructions":"calm"}"#), None);
}

#[test]
fn speech_sse_and_raw_streams() {
    let g = openai("gpt-4o-mini-tts");
    let o = op(false, "x", "{}", true);
    let (b, done) = run_events(&o, &g, &data("openai/openai_speech_stream_assembled.sse"));
    assert!(done);
    assert_eq!(b.text, "base64-encoded-audio-data");
    assert_eq!(b.marks[1].usage.unwrap().total_tokens, 115);
    // Raw bytes (tts-1) arrive as base64 of each read.
    let t = openai("tts-1");
    let mut dec = o.decoder(&t).unwrap();
    let mut batch = ChunkBatch::default();
    dec.feed(b"RIFF\x00\x01", &mut |ev| {
        o.event(&t, ev, &mut batch).unwrap();
    })
    .unwrap();
    assert_eq!(batch.text, base64(b"RIFF\x00\x01"));
    assert!(o.finished(&batch, 0));
}

#[test]
fn media_models_are_in_the_table() {
    for (id, out) in [
        ("gpt-image-1", MediaType::Image),
        ("gpt-image-1-mini", MediaType::Image),
        ("dall-e-3", MediaType::Image),
        ("gpt-4o-mini-tts", MediaType::Audio),
        ("tts-1", MediaType::Audio),
        ("tts-1-hd", MediaType::Audio),
    ] {
        let p = models::table::find(id).unwrap();
        assert_eq!(p.meta.output_types, vec![out], "{id}");
        let pr = &p.meta.pricing;
        assert!(
            pr.per_image.is_some()
                || pr.per_m_characters.is_some()
                || pr.output_per_m_tok.is_some()
        );
        assert_eq!(p.azure_api_version(), "2025-04-01-preview");
        let base = BaseLlm::new(p.meta.clone(), Default::default());
        let e = base.check_text_output_support().unwrap_err();
        assert_eq!(e.code, ErrorCode::UnsupportedOperation);
        let want = if out == MediaType::Image {
            "getImage, streamImage"
        } else {
            "getAudio, streamAudio"
        };
        assert!(e.hint.unwrap().contains(want));
    }
    assert_eq!(
        models::table::find("gpt-4o").unwrap().azure_api_version(),
        "2024-10-21"
    );
}

// ---------------------------------------------------------------- image edits

fn png(w: u32, h: u32, color: u8) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    b.extend(w.to_be_bytes());
    b.extend(h.to_be_bytes());
    b.extend([8, color, 0, 0, 0, 0, 0, 0, 0]);
    b
}

fn edit_op(params: &str, inputs: EditInputs, stream: bool) -> MediaOp {
    let mut o = op(
        true,
        "In the style of WordArt, Microsoft Clippy wearing a cowboy hat.",
        params,
        stream,
    );
    o.edit = Some(inputs);
    o
}

/// Splits a multipart body into (headers, data) per part, checking its framing.
fn parts(body: &[u8], content_type: &str) -> Vec<(String, Vec<u8>)> {
    let boundary = content_type.split("boundary=").nth(1).unwrap();
    let delim = format!("--{boundary}");
    let text = unsafe { core::str::from_utf8_unchecked(body) };
    assert!(text.starts_with(&delim));
    assert!(text.ends_with(&format!("{delim}--\r\n")));
    let mut out = Vec::new();
    let sep = format!("\r\n{delim}");
    let mut rest = &body[delim.len() + 2..];
    while let Some(end) = rest.windows(sep.len()).position(|w| w == sep.as_bytes()) {
        let part = &rest[..end];
        let split = part.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        out.push((
            String::from_utf8(part[..split].to_vec()).unwrap(),
            part[split + 4..].to_vec(),
        ));
        rest = &rest[end + sep.len()..];
        if rest.starts_with(b"--") {
            break;
        }
        rest = &rest[2..];
    }
    out
}

#[test]
fn edit_form_matches_the_azure_example() {
    // 2025-04-01-preview_image_edits.yaml: image, mask, prompt, n, size, quality.
    let ex = data("azure/media/2025-04-01-preview_image_edits.yaml");
    assert!(ex.contains("mask: \"<binary-mask-data>\""));
    let image = png(1024, 1024, 2);
    let mask = png(1024, 1024, 6);
    let o = edit_op(
        r#"{"n":1,"size":"1024x1024","quality":"high"}"#,
        EditInputs {
            images: vec![image.clone()],
            mask: Some(mask.clone()),
        },
        false,
    );
    let t = azure("gpt-image-1", AzureStyle::Deployments);
    o.check(&t).unwrap();
    assert_eq!(o.kind(), OpKind::ImageEdit { stream: false });
    assert_eq!(
        url(&t, o.kind()),
        "https://res.openai.azure.com/openai/deployments/dep/images/edits?api-version=2025-04-01-preview"
    );
    let (body, ct) = o.form(&t).unwrap().unwrap();
    assert!(ct.starts_with("multipart/form-data; boundary=----llm-edge-"));
    let p = parts(&body, &ct);
    let names: Vec<&str> = p
        .iter()
        .map(|(h, _)| h.split('"').nth(1).unwrap())
        .collect();
    assert_eq!(names, ["prompt", "n", "size", "quality", "image", "mask"]);
    assert_eq!(
        p[0].1,
        b"In the style of WordArt, Microsoft Clippy wearing a cowboy hat."
    );
    assert_eq!(p[1].1, b"1");
    assert_eq!(p[2].1, b"1024x1024");
    assert!(p[4]
        .0
        .contains("filename=\"image_0.png\"\r\nContent-Type: image/png"));
    assert_eq!(p[4].1, image);
    assert_eq!(p[5].1, mask);
    // On v1 and OpenAI the model rides in the form; streaming adds stream and partial_images.
    let o = edit_op(
        r#"{"partialImages":2}"#,
        EditInputs {
            images: vec![image.clone(), image.clone()],
            mask: None,
        },
        true,
    );
    let v1 = azure("gpt-image-1", AzureStyle::V1);
    assert_eq!(
        url(&v1, o.kind()),
        "https://res.openai.azure.com/openai/v1/images/edits?api-version=preview"
    );
    let (body, ct) = o.form(&v1).unwrap().unwrap();
    let p = parts(&body, &ct);
    let names: Vec<&str> = p
        .iter()
        .map(|(h, _)| h.split('"').nth(1).unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "model",
            "prompt",
            "stream",
            "partial_images",
            "image[]",
            "image[]"
        ]
    );
    assert_eq!(p[0].1, b"dep");
    assert_eq!(p[2].1, b"true");
    assert_eq!(
        url(&openai("gpt-image-1"), o.kind()),
        "https://api.openai.com/v1/images/edits"
    );
}

#[test]
fn the_boundary_never_occurs_in_a_part() {
    let image = png(8, 8, 2);
    let o = edit_op(
        "",
        EditInputs {
            images: vec![image.clone()],
            mask: None,
        },
        false,
    );
    let (_, ct) = o.form(&openai("gpt-image-1")).unwrap().unwrap();
    let boundary = ct.split("boundary=").nth(1).unwrap();
    // An image of the same length (so the same first boundary is tried) that contains
    // that boundary gets another one.
    let mut shorter = png(8, 8, 2);
    shorter.truncate(shorter.len() - boundary.len());
    shorter.extend(boundary.as_bytes());
    let o = edit_op(
        "",
        EditInputs {
            images: vec![shorter.clone()],
            mask: None,
        },
        false,
    );
    let (body, ct2) = o.form(&openai("gpt-image-1")).unwrap().unwrap();
    assert_ne!(ct, ct2);
    let p = parts(&body, &ct2);
    assert_eq!(p.last().unwrap().1, shorter);
}

#[test]
fn edit_inputs_are_checked_before_sending() {
    let t = azure("gpt-image-1", AzureStyle::Deployments);
    let o = openai("gpt-image-1");
    let check = |t: &dyn Target, images: Vec<Vec<u8>>, mask: Option<Vec<u8>>| {
        edit_op("", EditInputs { images, mask }, false).check(t)
    };
    let webp = b"RIFF\0\0\0\0WEBPVP8 ".to_vec();
    let jpeg = {
        // SOI, APP0 (len 4), SOF0: len 17, precision 8, height 48, width 64.
        let mut j = vec![
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 17, 8, 0, 48, 0, 64,
        ];
        j.extend([0; 14]);
        j
    };
    assert_eq!(edit::dimensions(&jpeg), Some((64, 48)));
    assert_eq!(edit::dimensions(&png(3, 5, 2)), Some((3, 5)));
    assert!(check(&t, vec![png(8, 8, 2)], None).is_ok());
    assert!(check(&t, vec![jpeg.clone()], Some(png(64, 48, 6))).is_ok());
    assert!(check(&o, vec![webp.clone()], None).is_ok());
    let e = check(&t, vec![webp], None).unwrap_err();
    assert_eq!(
        (e.code, e.message.contains("PNG or JPEG on Azure")),
        (ErrorCode::InvalidInput, true)
    );
    for (images, mask, says) in [
        (vec![], None, "empty"),
        (vec![png(1, 1, 2); 17], None, "at most 16"),
        (vec![b"GIF89a..".to_vec()], None, "image/gif"),
        (vec![png(8, 8, 2)], Some(jpeg.clone()), "not a PNG"),
        (vec![png(8, 8, 2)], Some(png(8, 8, 2)), "no alpha"),
        (
            vec![png(8, 8, 2)],
            Some(png(4, 8, 6)),
            "4x8 but params.images[0] is 8x8",
        ),
        (
            vec![png(8, 8, 2)],
            Some(vec![0x89; edit::MAX_MASK_BYTES]),
            "under 4 MB",
        ),
    ] {
        let e = check(&o, images, mask).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{says}: {}", e.message);
        assert!(e.message.contains(says), "{says}: {}", e.message);
        assert!(e.hint.is_some());
    }
    let mut big = png(8, 8, 2);
    big.resize(edit::MAX_IMAGE_BYTES, 0);
    assert!(check(&o, vec![big], None)
        .unwrap_err()
        .message
        .contains("under 50 MB"));
    // A palette mask with a tRNS chunk has transparency.
    let mut pal = png(8, 8, 3);
    pal.extend([0, 0, 0, 1]);
    pal.extend(b"tRNS");
    assert!(check(&o, vec![png(8, 8, 2)], Some(pal)).is_ok());
    let dalle = edit_op(
        "",
        EditInputs {
            images: vec![png(8, 8, 2)],
            mask: None,
        },
        false,
    )
    .check(&openai("dall-e-3"))
    .unwrap_err();
    assert_eq!(dalle.code, ErrorCode::UnsupportedOperation);
}

#[test]
fn image_edit_stream_events_read_like_generations() {
    // openai_images_edits_stream.sse: a partial image then the completed one with usage.
    let t = openai("gpt-image-1");
    let o = edit_op(
        "",
        EditInputs {
            images: vec![png(8, 8, 2)],
            mask: None,
        },
        true,
    );
    let mut batch = ChunkBatch::default();
    for ev in decode_all(data("openai/openai_images_edits_stream.sse").as_bytes()) {
        o.event(&t, &ev, &mut batch).unwrap();
    }
    assert_eq!(batch.marks.len(), 2);
    assert_eq!(batch.marks[0].reasoning.as_deref(), Some("0"));
    assert!(batch.marks[0].finish_reason.is_none());
    assert!(batch.marks[1].finish_reason.is_some());
    assert_eq!(batch.marks[1].usage.as_ref().unwrap().total_tokens, 100);
    assert!(o.finished(&batch, 0));
}

// ---------------------------------------------------------------- video

#[test]
fn video_urls_per_api_and_provider() {
    use crate::providers::{VideoApi, VideoStep};
    let at = |t: &dyn Target, api, step, id: &str| {
        let ctx = RequestContext::default();
        let r = block_on(t.prepare(OpKind::Video { api, step }, id.into(), &ctx))
            .unwrap()
            .request;
        (r.method, r.url, r.body.is_some())
    };
    // Azure: the v1 path with api-version=preview whatever the endpoint's style.
    let az = azure("sora", AzureStyle::Deployments);
    let base = "https://res.openai.azure.com/openai/v1";
    assert_eq!(
        at(&az, VideoApi::Jobs, VideoStep::Create, "{}"),
        (
            "POST",
            format!("{base}/video/generations/jobs?api-version=preview"),
            true
        )
    );
    assert_eq!(
        at(&az, VideoApi::Jobs, VideoStep::Status, "task_1"),
        (
            "GET",
            format!("{base}/video/generations/jobs/task_1?api-version=preview"),
            false
        )
    );
    assert_eq!(
        at(&az, VideoApi::Jobs, VideoStep::Delete, "task_1"),
        (
            "DELETE",
            format!("{base}/video/generations/jobs/task_1?api-version=preview"),
            false
        )
    );
    assert_eq!(
        at(&az, VideoApi::Jobs, VideoStep::Content, "gen_1"),
        (
            "GET",
            format!("{base}/video/generations/gen_1/content/video?api-version=preview"),
            false
        )
    );
    assert_eq!(
        at(&az, VideoApi::Jobs, VideoStep::Thumbnail, "gen_1"),
        (
            "GET",
            format!("{base}/video/generations/gen_1/content/thumbnail?api-version=preview"),
            false
        )
    );
    let az2 = azure("sora-2", AzureStyle::V1);
    assert_eq!(
        at(&az2, VideoApi::Videos, VideoStep::Create, "{}").1,
        format!("{base}/videos?api-version=preview")
    );
    assert_eq!(
        at(&az2, VideoApi::Videos, VideoStep::Thumbnail, "video_1").1,
        format!("{base}/videos/video_1/content?variant=thumbnail&api-version=preview")
    );
    let oa = openai("sora-2");
    assert_eq!(
        at(&oa, VideoApi::Videos, VideoStep::Status, "video_1"),
        (
            "GET",
            "https://api.openai.com/v1/videos/video_1".into(),
            false
        )
    );
    assert_eq!(
        at(&oa, VideoApi::Videos, VideoStep::Content, "video_1").1,
        "https://api.openai.com/v1/videos/video_1/content"
    );
    assert_eq!(
        at(&oa, VideoApi::Videos, VideoStep::Delete, "video_1").0,
        "DELETE"
    );
    // A hostile id from the service cannot leave its path segment.
    assert_eq!(
        at(&oa, VideoApi::Videos, VideoStep::Status, "../../x?y").1,
        "https://api.openai.com/v1/videos/..%2F..%2Fx%3Fy"
    );
}

#[test]
fn video_create_bodies_name_the_deployment_or_model() {
    let op = |api| video::CreateOp {
        api,
        prompt: "a cat".into(),
        size: None,
        seconds: None,
        extra: vec![],
    };
    use crate::providers::VideoApi;
    let az = azure("sora", AzureStyle::Deployments);
    let b = json(&op(VideoApi::Jobs).body(&az).unwrap());
    assert_eq!(
        b,
        serde_json::json!({"model":"dep","prompt":"a cat","width":1280,"height":720})
    );
    op(VideoApi::Jobs).check(&az).unwrap();
    // sora on OpenAI: the jobs API is Azure's.
    assert_eq!(
        op(VideoApi::Jobs).check(&openai("sora")).unwrap_err().code,
        ErrorCode::InvalidInput
    );
    // A backup of the other API is refused.
    assert_eq!(
        op(VideoApi::Videos).check(&az).unwrap_err().code,
        ErrorCode::InvalidInput
    );
    assert_eq!(
        json(&op(VideoApi::Videos).body(&openai("sora-2-pro")).unwrap())["model"],
        "sora-2-pro"
    );
}

// ---------------------------------------------------------------- cost (src/media/cost.rs)
// The pricing formulas over the recorded usage bodies; the prices are the model table's
// (src/models/table.rs), written out here so a changed price shows up as a failing test.

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

fn totals_of(o: &MediaOp) -> Vec<crate::chat::UsageTotal> {
    o.totals.lock().clone()
}

#[test]
fn gpt_image_answer_is_priced_from_its_token_details() {
    // Recorded: input 50 (text 10, image 40), output 50.
    let body = data("openai/images_generations_response.json");
    for (model, expect) in [
        // 10 × $5 + 40 × $10 + 50 × $40 per million
        (
            "gpt-image-1",
            (10.0 * 5.0 + 40.0 * 10.0 + 50.0 * 40.0) / 1e6,
        ),
        // 10 × $2 + 40 × $2.50 + 50 × $8 per million
        (
            "gpt-image-1-mini",
            (10.0 * 2.0 + 40.0 * 2.5 + 50.0 * 8.0) / 1e6,
        ),
    ] {
        let t = openai(model);
        let out = image_json(&t, body.as_bytes()).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let u = &v["usage"];
        assert_eq!(
            (u["promptTokens"].as_u64(), u["completionTokens"].as_u64()),
            (Some(50), Some(50))
        );
        assert_eq!(
            (
                u["textInputTokens"].as_u64(),
                u["imageInputTokens"].as_u64()
            ),
            (Some(10), Some(40))
        );
        assert!(
            close(u["costUsd"].as_f64().unwrap(), expect),
            "{model}: {u}"
        );
        // What getImage reads back for the totals is what it wrote.
        let back = cost::served_usage(&out).unwrap();
        assert!(close(back.cost_usd.unwrap(), expect));
        assert_eq!((back.prompt_tokens, back.completion_tokens), (50, 50));
    }
    assert_eq!(
        cost::count_images(&image_json(&openai("gpt-image-1"), body.as_bytes()).unwrap()),
        1
    );
}

#[test]
fn gpt_image_stream_prices_its_last_event_and_totals_it() {
    let t = openai("gpt-image-1");
    for file in [
        "openai/openai_images_generations_stream.sse",
        "openai/openai_images_edits_stream.sse",
    ] {
        let o = op(true, "otter", r#"{"partialImages":1}"#, true);
        let (b, _) = run_events(&o, &t, &data(file));
        assert_eq!(b.marks[0].usage, None, "a partial image carries no usage");
        let u = b.marks[1].usage.unwrap();
        let expect = (10.0 * 5.0 + 40.0 * 10.0 + 50.0 * 40.0) / 1e6;
        assert!(close(u.cost_usd.unwrap(), expect));
        let totals = totals_of(&o);
        assert_eq!(totals.len(), 1);
        assert_eq!(
            (totals[0].model.as_str(), totals[0].endpoint.as_str()),
            ("gpt-image-1", "https://api.openai.com")
        );
        assert_eq!(
            (
                totals[0].requests,
                totals[0].prompt_tokens,
                totals[0].completion_tokens
            ),
            (1, 50, 50)
        );
        assert!(close(totals[0].cost_usd, expect));
    }
}

#[test]
fn speech_stream_is_priced_from_its_text_and_audio_tokens() {
    // Recorded speech.audio.done: input 14, output 101.
    let g = openai("gpt-4o-mini-tts");
    let o = op(false, "x", "{}", true);
    let (b, _) = run_events(&o, &g, &data("openai/openai_speech_stream_assembled.sse"));
    let u = b.marks[1].usage.unwrap();
    assert_eq!(u.media.audio_output_tokens, Some(101));
    assert!(close(
        u.cost_usd.unwrap(),
        (14.0 * 0.60 + 101.0 * 12.0) / 1e6
    ));
    assert!(close(totals_of(&o)[0].cost_usd, u.cost_usd.unwrap()));
}

#[test]
fn tts_is_priced_per_character_on_the_raw_stream_end() {
    let text = "Hello, wörld"; // 12 characters, 13 bytes: characters are what is billed
    for (model, per_m) in [("tts-1", 15.0), ("tts-1-hd", 30.0)] {
        let t = openai(model);
        let o = op(false, text, "{}", true);
        let mut dec = o.decoder(&t).unwrap();
        let mut batch = ChunkBatch::default();
        let mut done = false;
        let mut on = |ev: &str| {
            if let StreamEvent::Done = o.event(&t, ev, &mut batch).unwrap() {
                done = true;
            }
        };
        dec.feed(b"RIFF\x00\x01", &mut on).unwrap();
        dec.finish(&mut on).unwrap();
        assert!(done);
        let last = batch.marks.last().unwrap();
        assert_eq!(last.finish_reason, Some(FinishReason::Stop));
        let u = last.usage.unwrap();
        assert_eq!(u.media.characters, Some(12));
        assert!(close(u.cost_usd.unwrap(), 12.0 * per_m / 1e6));
        assert!(close(
            o.characters_usage(&t).cost_usd.unwrap(),
            12.0 * per_m / 1e6
        ));
        assert_eq!(totals_of(&o)[0].requests, 1);
    }
}

#[test]
fn dalle3_is_priced_per_image_by_quality_and_size() {
    for (params, expect) in [
        ("{}", 0.040),
        (r#"{"size":"1792x1024"}"#, 0.080),
        (r#"{"quality":"hd"}"#, 0.080),
        (r#"{"quality":"hd","size":"1024x1792"}"#, 0.120),
    ] {
        let o = op(true, "x", params, false);
        let u = o.images_usage(1);
        assert_eq!(u.media.images, Some(1));
        assert!(close(u.cost_usd.unwrap(), expect), "{params}");
    }
}

#[test]
fn sora_2_is_priced_per_second() {
    let p = |m: &str| models::resolve(m, "openai", None).unwrap().meta.pricing;
    assert!(close(cost::video_seconds(&p("sora-2"), 8.0).unwrap(), 0.80));
    assert!(close(
        cost::video_seconds(&p("sora-2-pro"), 4.0).unwrap(),
        1.20
    ));
    // Azure's Sora (the jobs API) has no sourced price: no cost rather than a made-up one.
    assert_eq!(cost::video_seconds(&p("sora"), 5.0), None);
}
