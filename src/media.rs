//! Media generation, design doc §4: images (gpt-image-1, gpt-image-1-mini, dall-e-3) and
//! speech (gpt-4o-mini-tts, tts-1, tts-1-hd) as operations over the executor chat uses, so
//! validation first, deadlines, abort, the attempts trace and failover are the same.
//!
//! Streams reuse the chat stream's batch (one crossing per network read): a chunk's text is
//! its payload as base64 (a partial image, or audio bytes), its `reasoning` slot carries a
//! partial image's index, `finish_reason` marks a finished image or the end of speech.

use crate::chat::Totals;
use crate::core::context::RequestContext;
use crate::core::error::{ErrorCode, LlmError, Result};
use crate::core::llm::{base64, BaseLlm};
use crate::core::maybe_send::{boxed, boxed_stream, BoxFuture, BoxStream, Lock};
use crate::core::metadata::MediaType;
use crate::core::response::{write_attempts, ChunkBatch, ChunkMark, FinishReason, Usage};
use crate::engine::stream::{EngineStream, StreamEvent, StreamOperation};
use crate::engine::{Executor, Operation, Served};
use crate::prelude::*;
use crate::providers::{OpKind, Target};
use crate::wire::json::{Json, JsonWriter, Kind};
use crate::wire::{FrameDecoder, FrameError};
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

#[cfg(feature = "media")]
pub mod cost;
pub mod edit;
pub use edit::EditInputs;
#[cfg(feature = "media")]
pub mod video;

/// The longest speech input the API takes, in characters.
pub const MAX_SPEECH_CHARS: usize = 4096;

/// Provider codes for a prompt or image the safety system refused.
const FILTER_CODES: [&str; 4] = [
    "content_policy_violation",
    "contentFilter",
    "moderation_blocked",
    "content_filter",
];

#[derive(Clone, Copy, PartialEq, Debug)]
enum Family {
    GptImage,
    Dalle,
    /// gpt-4o-mini-tts: instructions, and `stream_format: "sse"`.
    SpeechSse,
    /// tts-1, tts-1-hd: raw audio only.
    Tts,
}

fn family(t: &dyn Target, image: bool) -> Family {
    let f = t.profile().meta.family.to_ascii_lowercase();
    match (image, f.starts_with("dall-e"), f.starts_with("tts")) {
        (true, true, _) => Family::Dalle,
        (true, false, _) => Family::GptImage,
        (false, _, true) => Family::Tts,
        _ => Family::SpeechSse,
    }
}

/// Parameters as raw JSON by known name, plus `extra` (sent as-is).
#[derive(Clone, Default)]
struct Fields {
    vals: Vec<(&'static str, String)>,
    extra: Vec<(String, String)>,
}

impl Fields {
    fn read(json: &str, what: &str, known: &[&'static str]) -> Result<Fields> {
        let hint = format!("{what} takes {}, extra.", known.join(", "));
        let mut f = Fields::default();
        if json.is_empty() || json == "null" {
            return Ok(f);
        }
        let mut problem = None;
        let mut p = Json::new(json);
        let r = p
            .obj(|p, k| {
                if p.null()? {
                    return Ok(());
                }
                if k == "extra" && p.kind()? == Kind::Object {
                    return p.obj(|p, k| {
                        f.extra.push((k.into_owned(), p.raw()?.to_string()));
                        Ok(())
                    });
                }
                match known.iter().find(|n| **n == k) {
                    Some(n) => f.vals.push((n, p.raw()?.to_string())),
                    None => {
                        problem.get_or_insert(LlmError::invalid_input(
                            format!("{what}: unknown field `{k}`"),
                            hint.clone(),
                        ));
                        p.skip()?
                    }
                }
                Ok(())
            })
            .and_then(|_| p.end());
        if let Some(e) = problem {
            return Err(e);
        }
        r.map_err(|e| LlmError::invalid_input(format!("{what}: {e}"), hint.clone()))?;
        Ok(f)
    }

    fn raw(&self, k: &str) -> Option<&str> {
        self.vals
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.as_str())
    }

    fn str(&self, k: &str) -> Result<Option<String>> {
        let Some(raw) = self.raw(k) else {
            return Ok(None);
        };
        let mut p = Json::new(raw);
        match p.kind() {
            Ok(Kind::String) => Ok(Some(p.str().map_err(|_| bad(k, "a string"))?.into_owned())),
            _ => Err(bad(k, "a string")),
        }
    }

    fn num(&self, k: &str) -> Result<Option<f64>> {
        let Some(raw) = self.raw(k) else {
            return Ok(None);
        };
        let mut p = Json::new(raw);
        match p.kind() {
            Ok(Kind::Number) => Ok(Some(p.f64().map_err(|_| bad(k, "a number"))?)),
            _ => Err(bad(k, "a number")),
        }
    }

    /// An integer in `lo..=hi`.
    fn int(&self, k: &str, lo: u64, hi: u64) -> Result<Option<u64>> {
        match self.num(k)? {
            Some(v) if v != (v as u64) as f64 || v < lo as f64 || v > hi as f64 => {
                Err(bad(k, &format!("an integer from {lo} to {hi}")))
            }
            v => Ok(v.map(|v| v as u64)),
        }
    }

    fn has(&self, k: &str) -> bool {
        self.raw(k).is_some()
    }

    /// Writes `extra` last, and our fields only where `extra` does not set them.
    fn ours(&self, k: &str) -> bool {
        !self.extra.iter().any(|(e, _)| e == k)
    }
}

fn bad(k: &str, what: &str) -> LlmError {
    LlmError::invalid_input(
        format!("params.{k} must be {what}"),
        "Leave it out for the service's default.",
    )
}

fn one_of(k: &str, v: Option<&str>, allowed: &[&str], model: &str) -> Result<()> {
    match v {
        Some(v) if !allowed.contains(&v) => Err(LlmError::invalid_input(
            format!("params.{k} \"{v}\" is not one {model} takes"),
            format!("{model} takes {k}: {}.", allowed.join(", ")),
        )),
        _ => Ok(()),
    }
}

const IMAGE_FIELDS: &[&str] = &[
    "size",
    "quality",
    "n",
    "outputFormat",
    "outputCompression",
    "background",
    "partialImages",
    "style",
    "user",
];
const SPEECH_FIELDS: &[&str] = &["voice", "format", "speed", "instructions"];
#[cfg(feature = "media")]
const VIDEO_FIELDS: &[&str] = &["size", "seconds", "pollIntervalMs"];
pub const AUDIO_FORMATS: [&str; 6] = ["mp3", "opus", "aac", "flac", "wav", "pcm"];

/// The MIME type of a speech format (pcm: raw 24 kHz 16-bit little-endian mono samples).
pub fn audio_mime(format: &str) -> &'static str {
    match format {
        "opus" => "audio/ogg",
        "aac" => "audio/aac",
        "flac" => "audio/flac",
        "wav" => "audio/wav",
        "pcm" => "audio/pcm",
        _ => "audio/mpeg",
    }
}

/// One media request: the prompt or text, its parameters, and how it is read.
pub struct MediaOp {
    text: String,
    image: bool,
    stream: bool,
    p: Fields,
    /// Finished images so far in a stream (the index of the next one).
    finals: Lock<u32>,
    /// A raw (not SSE) audio body was read.
    raw_seen: AtomicBool,
    /// An image edit's inputs (sent as multipart form data to /images/edits; read only in
    /// builds with the feature).
    #[cfg_attr(not(feature = "media"), allow(dead_code))]
    edit: Option<EditInputs>,
    /// The model's running totals (a stream adds its usage when the last event arrives).
    #[cfg_attr(not(feature = "media"), allow(dead_code))]
    totals: Totals,
}

impl MediaOp {
    /// Checks the request against one endpoint's model, naming what it refuses.
    fn check(&self, t: &dyn Target) -> Result<()> {
        let meta = &t.profile().meta;
        let model = meta.model_name.as_str();
        let kind = if self.image {
            MediaType::Image
        } else {
            MediaType::Audio
        };
        if !meta.supports_output(kind) {
            return Err(LlmError::invalid_input(
                format!(
                    "an endpoint's model {model} does not generate {}",
                    kind.as_str()
                ),
                "Every backup of a media model must serve a model of the same kind.",
            ));
        }
        let p = &self.p;
        let fam = family(t, self.image);
        let chars = self.text.chars().count();
        if self.text.trim().is_empty() {
            return Err(LlmError::invalid_input(
                "the prompt is empty",
                "Describe what to generate.",
            ));
        }
        if !self.image {
            if chars > MAX_SPEECH_CHARS {
                return Err(LlmError::invalid_input(
                    format!("the input is {chars} characters; speech takes at most 4,096"),
                    "Split the text at sentence boundaries and join the audio (mp3 and pcm concatenate; wav needs its header rewritten).",
                ));
            }
            let format = p.str("format")?;
            one_of("format", format.as_deref(), &AUDIO_FORMATS, model)?;
            if p.num("speed")?.is_some_and(|s| !(0.25..=4.0).contains(&s)) {
                return Err(bad("speed", "from 0.25 to 4"));
            }
            if p.str("voice")?.is_some_and(|v| v.is_empty()) {
                return Err(bad("voice", "a voice name such as \"alloy\""));
            }
            if p.str("instructions")?.is_some() && fam == Family::Tts {
                return Err(LlmError::invalid_input(
                    format!("{model} does not take instructions"),
                    "Use gpt-4o-mini-tts for instructions, or leave them out.",
                ));
            }
            return Ok(());
        }
        let dalle = fam == Family::Dalle;
        let limit = if dalle { 4000 } else { 32000 };
        if chars > limit {
            return Err(LlmError::invalid_input(
                format!("the prompt is {chars} characters; {model} takes at most {limit}"),
                "Shorten the prompt.",
            ));
        }
        #[cfg(feature = "media")]
        if let Some(inputs) = &self.edit {
            if dalle {
                return Err(LlmError::unsupported(
                    format!("{model} does not edit images (params.images)"),
                    "Use gpt-image-1 or gpt-image-1-mini for edits, or leave images out to generate.",
                ));
            }
            edit::check(inputs, model, t.deployment().is_some())?;
        }
        if dalle && self.stream {
            return Err(LlmError::unsupported(
                format!("{model} does not stream images (streamImage)"),
                "Use getImage for dall-e-3, or a gpt-image model for partial images.",
            ));
        }
        let (sizes, qualities): (&[&str], &[&str]) = if dalle {
            (
                &["1024x1024", "1792x1024", "1024x1792"],
                &["standard", "hd"],
            )
        } else {
            (
                &["1024x1024", "1536x1024", "1024x1536", "auto"],
                &["low", "medium", "high", "auto"],
            )
        };
        one_of("size", p.str("size")?.as_deref(), sizes, model)?;
        one_of("quality", p.str("quality")?.as_deref(), qualities, model)?;
        p.int("n", 1, if dalle { 1 } else { 10 })?;
        p.str("user")?;
        let only = |k: &str, ok: bool| -> Result<()> {
            if p.has(k) && !ok {
                return Err(LlmError::invalid_input(
                    format!("{model} does not take params.{k}"),
                    if dalle {
                        "outputFormat, outputCompression, background and partialImages are for gpt-image models."
                    } else {
                        "style is for dall-e-3."
                    },
                ));
            }
            Ok(())
        };
        for k in [
            "outputFormat",
            "outputCompression",
            "background",
            "partialImages",
        ] {
            only(k, !dalle)?;
        }
        only("style", dalle)?;
        one_of(
            "style",
            p.str("style")?.as_deref(),
            &["vivid", "natural"],
            model,
        )?;
        let format = p.str("outputFormat")?;
        one_of(
            "outputFormat",
            format.as_deref(),
            &["png", "jpeg", "webp"],
            model,
        )?;
        let lossy = matches!(format.as_deref(), Some("jpeg" | "webp"));
        if p.int("outputCompression", 0, 100)?.is_some() && !lossy {
            return Err(LlmError::invalid_input(
                "params.outputCompression needs outputFormat \"jpeg\" or \"webp\"",
                "PNG is lossless; set outputFormat or leave outputCompression out.",
            ));
        }
        let bg = p.str("background")?;
        one_of(
            "background",
            bg.as_deref(),
            &["transparent", "opaque", "auto"],
            model,
        )?;
        if bg.as_deref() == Some("transparent") && format.as_deref() == Some("jpeg") {
            return Err(LlmError::invalid_input(
                "a transparent background needs outputFormat \"png\" or \"webp\"",
                "JPEG has no transparency.",
            ));
        }
        p.int("partialImages", 0, 3)?;
        Ok(())
    }

    fn format(&self) -> String {
        let k = if self.image { "outputFormat" } else { "format" };
        self.p
            .str(k)
            .ok()
            .flatten()
            .unwrap_or_else(|| (if self.image { "png" } else { "mp3" }).to_string())
    }
}

impl Operation for MediaOp {
    fn kind(&self) -> OpKind {
        let stream = self.stream;
        #[cfg(feature = "media")]
        if self.edit.is_some() {
            return OpKind::ImageEdit { stream };
        }
        if self.image {
            OpKind::Image { stream }
        } else {
            OpKind::Speech { stream }
        }
    }

    fn body(&self, target: &dyn Target) -> Result<String> {
        let p = &self.p;
        let fam = family(target, self.image);
        let mut w = JsonWriter::new();
        w.begin_obj();
        if let Some(m) = target.body_model().filter(|_| p.ours("model")) {
            w.key("model").str(m);
        }
        let (text_key, names): (&str, &[(&str, &str)]) = if self.image {
            (
                "prompt",
                &[
                    ("n", "n"),
                    ("size", "size"),
                    ("quality", "quality"),
                    ("outputFormat", "output_format"),
                    ("outputCompression", "output_compression"),
                    ("background", "background"),
                    ("style", "style"),
                    ("user", "user"),
                ],
            )
        } else {
            (
                "input",
                &[
                    ("voice", "voice"),
                    ("format", "response_format"),
                    ("speed", "speed"),
                    ("instructions", "instructions"),
                ],
            )
        };
        w.key(text_key).str(&self.text);
        for (ours, wire) in names {
            if let Some(raw) = p.raw(ours).filter(|_| p.ours(wire)) {
                w.key(wire).raw(raw);
            }
        }
        if !self.image && p.ours("voice") && !p.has("voice") {
            w.key("voice").str("alloy");
        }
        if self.stream && p.ours("stream") {
            if self.image {
                w.key("stream").bool(true);
                if let Some(n) = p.raw("partialImages").filter(|_| p.ours("partial_images")) {
                    w.key("partial_images").raw(n);
                }
            } else if fam == Family::SpeechSse && p.ours("stream_format") {
                w.key("stream_format").str("sse");
            }
        }
        for (k, v) in &p.extra {
            w.key(k).raw(v);
        }
        w.end_obj();
        Ok(w.finish())
    }

    /// An edit: the JSON body's fields as text parts, then the images and the mask.
    #[cfg(feature = "media")]
    fn form(&self, target: &dyn Target) -> Option<Result<(Vec<u8>, String)>> {
        let inputs = self.edit.as_ref()?;
        Some(self.body(target).map(|json| {
            let mut fields: Vec<(String, String)> = Vec::new();
            let mut p = Json::new(&json);
            let _ = p.obj(|p, k| {
                let value = if p.kind()? == Kind::String {
                    p.str()?.into_owned()
                } else {
                    p.raw()?.to_string()
                };
                fields.push((k.into_owned(), value));
                Ok(())
            });
            let mut parts: Vec<&[u8]> = fields.iter().map(|(_, v)| v.as_bytes()).collect();
            parts.extend(inputs.images.iter().map(|i| &i[..]));
            parts.extend(inputs.mask.as_deref());
            let mut form = edit::Form::new(&parts);
            for (k, v) in &fields {
                form.text(k, v);
            }
            let name = if inputs.images.len() > 1 {
                "image[]"
            } else {
                "image"
            };
            for (i, img) in inputs.images.iter().enumerate() {
                let mime = crate::core::llm::sniff_image(img).unwrap_or("image/png");
                form.file(
                    name,
                    &format!("image_{i}.{}", edit::extension(mime)),
                    mime,
                    img,
                );
            }
            if let Some(mask) = &inputs.mask {
                form.file("mask", "mask.png", "image/png", mask);
            }
            form.finish()
        }))
    }
}

/// A raw body (tts-1's audio) as events of base64 text, one per network read.
struct RawBase64;

impl FrameDecoder for RawBase64 {
    fn feed(
        &mut self,
        bytes: &[u8],
        on_event: &mut dyn FnMut(&str),
    ) -> core::result::Result<(), FrameError> {
        if !bytes.is_empty() {
            on_event(&base64(bytes));
        }
        Ok(())
    }
    fn finish(&mut self, _on_event: &mut dyn FnMut(&str)) -> core::result::Result<(), FrameError> {
        // An empty event marks the end, where the call's usage is reported.
        #[cfg(feature = "media")]
        _on_event("");
        Ok(())
    }
}

impl MediaOp {
    fn raw_audio(&self, t: &dyn Target) -> bool {
        !self.image && family(t, false) == Family::Tts
    }

    #[cfg(feature = "media")]
    fn totals_ref(&self) -> &Totals {
        &self.totals
    }

    /// tts-1 / tts-1-hd: usage is the input's characters, priced per million.
    #[cfg(feature = "media")]
    fn characters_usage(&self, t: &dyn Target) -> Usage {
        let mut u = Usage::default();
        let chars = self.text.chars().count() as u64;
        u.media.characters = Some(chars);
        u.cost_usd = cost::characters(&t.profile().meta.pricing, chars);
        u
    }

    /// dall-e-3: usage is the images made, priced by quality and size.
    #[cfg(feature = "media")]
    fn images_usage(&self, images: u64) -> Usage {
        let mut u = Usage::default();
        u.media.images = Some(images);
        let q = self.p.str("quality").ok().flatten();
        let s = self.p.str("size").ok().flatten();
        u.cost_usd = cost::dalle_image(q.as_deref(), s.as_deref()).map(|p| p * images as f64);
        u
    }
}

impl StreamOperation for MediaOp {
    fn event(
        &self,
        target: &dyn Target,
        data: &str,
        batch: &mut ChunkBatch,
    ) -> Result<StreamEvent> {
        if self.raw_audio(target) {
            self.raw_seen.store(true, Ordering::Relaxed);
            // The body's end (RawBase64::finish): the last chunk, with what the input cost.
            #[cfg(feature = "media")]
            if data.is_empty() {
                let u = self.characters_usage(target);
                cost::account(&self.totals, target, &u);
                let mark = ChunkMark {
                    finish_reason: Some(FinishReason::Stop),
                    usage: Some(u),
                    ..Default::default()
                };
                batch.push("", mark);
                return Ok(StreamEvent::Done);
            }
            batch.push(data, ChunkMark::default());
            return Ok(StreamEvent::Chunk);
        }
        if data.trim() == "[DONE]" {
            return Ok(StreamEvent::Done);
        }
        let mut ty = String::new();
        let mut payload = None;
        let mut index = 0u64;
        let mut usage = None;
        let mut error = None;
        let mut p = Json::new(data);
        p.obj(|p, k| {
            match k.as_ref() {
                "type" => ty = p.str()?.into_owned(),
                "b64_json" | "audio" | "delta" if p.kind()? == Kind::String => {
                    payload = Some(p.str()?)
                }
                "partial_image_index" => index = p.u64()?,
                "usage" if p.kind()? == Kind::Object => usage = Some(read_usage(p)?),
                "error" if p.kind()? == Kind::Object => error = Some(read_error(p)?),
                _ => p.skip()?,
            }
            Ok(())
        })
        .map_err(|e| LlmError::parse(format!("a media stream event is not JSON ({e})")))?;
        if let Some((code, message)) = error {
            return Err(stream_error(code, message));
        }
        let payload = payload.as_deref().unwrap_or("");
        if ty.ends_with(".partial_image") {
            let mark = ChunkMark {
                reasoning: Some(index.to_string()),
                ..Default::default()
            };
            batch.push(payload, mark);
        } else if ty.ends_with(".completed") || ty == "speech.audio.done" {
            #[cfg(feature = "media")]
            if let Some(u) = usage.as_mut() {
                let pricing = &target.profile().meta.pricing;
                if self.image {
                    u.cost_usd = cost::image_tokens(pricing, u);
                } else {
                    u.media.audio_output_tokens = Some(u.completion_tokens);
                    u.cost_usd = cost::speech_tokens(pricing, u);
                }
                cost::account(&self.totals, target, u);
            }
            let mut finals = self.finals.lock();
            let mark = ChunkMark {
                reasoning: self.image.then(|| finals.to_string()),
                finish_reason: Some(FinishReason::Stop),
                usage,
                ..Default::default()
            };
            *finals += 1;
            batch.push(payload, mark);
            if !self.image {
                return Ok(StreamEvent::Done);
            }
        } else if ty == "speech.audio.delta" || (ty.is_empty() && !payload.is_empty()) {
            batch.push(payload, ChunkMark::default());
        } else if ty == "error" {
            return Err(stream_error(None, "the stream reported an error".into()));
        }
        Ok(StreamEvent::Chunk)
    }

    fn finished(&self, batch: &ChunkBatch, from: usize) -> bool {
        // A raw body has no end marker: its end is the answer's end.
        self.raw_seen.load(Ordering::Relaxed)
            || batch
                .marks
                .get(from..)
                .is_some_and(|m| m.iter().any(|m| m.finish_reason.is_some()))
    }

    fn continuation(&self, _: &str) -> Option<Result<Arc<dyn StreamOperation>>> {
        None // media is not continued: bytes already delivered are not generated again
    }

    fn notes(&self, _: &Executor, _: usize) -> Vec<&'static str> {
        Vec::new()
    }

    fn decoder(&self, target: &dyn Target) -> Option<Box<dyn FrameDecoder>> {
        self.raw_audio(target)
            .then(|| Box::new(RawBase64) as Box<dyn FrameDecoder>)
    }
}

fn read_usage(p: &mut Json) -> crate::wire::json::JResult<Usage> {
    let mut u = Usage::default();
    p.obj(|p, k| {
        match k.as_ref() {
            "input_tokens" | "prompt_tokens" => u.prompt_tokens = p.u64()?,
            "output_tokens" | "completion_tokens" => u.completion_tokens = p.u64()?,
            "total_tokens" => u.total_tokens = p.u64()?,
            // gpt-image: input_tokens_details {text_tokens, image_tokens}, output_tokens_details
            // {image_tokens, text_tokens}; speech: output tokens are audio tokens.
            #[cfg(feature = "media")]
            "input_tokens_details" | "output_tokens_details" if p.kind()? == Kind::Object => {
                let output = k.starts_with("output");
                p.obj(|p, k| {
                    match (output, k.as_ref(), p.kind()?) {
                        (false, "text_tokens", Kind::Number) => {
                            u.media.text_input_tokens = Some(p.u64()?)
                        }
                        (false, "image_tokens", Kind::Number) => {
                            u.media.image_input_tokens = Some(p.u64()?)
                        }
                        (true, "image_tokens", Kind::Number) => {
                            u.media.image_output_tokens = Some(p.u64()?)
                        }
                        _ => p.skip()?,
                    }
                    Ok(())
                })?
            }
            _ => p.skip()?,
        }
        Ok(())
    })?;
    if u.total_tokens == 0 {
        u.total_tokens = u.prompt_tokens + u.completion_tokens;
    }
    Ok(u)
}

/// `{code?, message?, inner_error|innererror: {revised_prompt?}}` → (code, message, revised).
fn read_error_parts(
    p: &mut Json,
) -> crate::wire::json::JResult<(Option<String>, String, Option<String>)> {
    let (mut code, mut message, mut revised) = (None, String::new(), None);
    p.obj(|p, k| {
        match (k.as_ref(), p.kind()?) {
            ("code", Kind::String) => code = Some(p.str()?.into_owned()),
            ("message", Kind::String) => message = p.str()?.into_owned(),
            ("inner_error" | "innererror", Kind::Object) => p.obj(|p, k| {
                if k == "revised_prompt" && p.kind()? == Kind::String {
                    revised = Some(p.str()?.into_owned());
                } else {
                    p.skip()?;
                }
                Ok(())
            })?,
            _ => p.skip()?,
        }
        Ok(())
    })?;
    Ok((code, message, revised))
}

fn read_error(p: &mut Json) -> crate::wire::json::JResult<(Option<String>, String)> {
    read_error_parts(p).map(|(c, m, _)| (c, m))
}

fn is_filter(code: Option<&str>) -> bool {
    code.is_some_and(|c| FILTER_CODES.contains(&c))
}

fn filtered(message: String, revised: Option<&str>) -> LlmError {
    let mut hint = String::from(
        "The service's safety system refused this; rephrase the prompt (the message says why).",
    );
    if let Some(r) = revised {
        hint.push_str(" The service's revised prompt was: ");
        hint.push_str(r);
    }
    LlmError::new(ErrorCode::ContentFilter, message).with_hint(hint)
}

fn stream_error(code: Option<String>, message: String) -> LlmError {
    let mut e = if is_filter(code.as_deref()) {
        filtered(message, None)
    } else {
        LlmError::new(ErrorCode::ServiceUnavailable, format!("the media stream failed: {message}"))
            .with_hint("The service reported an error mid-stream; a backup endpoint can take over before anything was delivered.")
    };
    e.provider_code = code;
    e
}

/// A provider's error answer, refined for media: an image prompt the safety system refused
/// (`content_policy_violation`, `moderation_blocked`) is `content_filter`, with the revised
/// prompt when the service gave one. Called by the Azure and OpenAI targets.
pub fn refine_error(mut e: LlmError, body: &[u8]) -> LlmError {
    if e.code == ErrorCode::ContentFilter || !is_filter(e.provider_code.as_deref()) {
        return e;
    }
    let text = String::from_utf8_lossy(body);
    let mut revised = None;
    let mut p = Json::new(&text);
    let _ = p.obj(|p, k| {
        if k == "error" && p.kind()? == Kind::Object {
            revised = read_error_parts(p)?.2;
        } else {
            p.skip()?;
        }
        Ok(())
    });
    let f = filtered(String::new(), revised.as_deref());
    e.code = ErrorCode::ContentFilter;
    e.hint = f.hint;
    e
}

/// One generated image.
#[derive(Debug, Default, PartialEq)]
pub struct Image {
    pub url: Option<String>,
    pub base64: Option<String>,
    pub revised_prompt: Option<String>,
}

#[derive(Debug, Default, PartialEq)]
pub struct ImageAnswer {
    pub images: Vec<Image>,
    pub usage: Option<Usage>,
    pub format: Option<String>,
    pub size: Option<String>,
}

/// An images/generations answer: `data[]` with `b64_json` or `url` (+ `revised_prompt`),
/// `usage` (gpt-image), Azure's per-image filter results, or an `error` (a filtered task).
pub fn parse_image(_: &dyn Target, body: &[u8]) -> Result<ImageAnswer> {
    let text =
        core::str::from_utf8(body).map_err(|_| LlmError::parse("the image answer is not UTF-8"))?;
    let mut out = ImageAnswer::default();
    let mut error = None;
    let mut refused: Option<String> = None;
    let mut p = Json::new(text);
    p.obj(|p, k| {
        match (k.as_ref(), p.kind()?) {
            ("data", Kind::Array) => p.arr(|p, _| {
                let mut img = Image::default();
                let mut why = None;
                p.obj(|p, k| {
                    match (k.as_ref(), p.kind()?) {
                        ("url", Kind::String) => img.url = Some(p.str()?.into_owned()),
                        ("b64_json", Kind::String) => img.base64 = Some(p.str()?.into_owned()),
                        ("revised_prompt", Kind::String) => {
                            img.revised_prompt = Some(p.str()?.into_owned())
                        }
                        ("content_filter_results", Kind::Object) => p.obj(|p, cat| {
                            let mut hit = false;
                            if p.kind()? == Kind::Object {
                                p.obj(|p, f| {
                                    if f == "filtered" && p.kind()? == Kind::Bool {
                                        hit = p.bool()?;
                                    } else {
                                        p.skip()?;
                                    }
                                    Ok(())
                                })?;
                            } else {
                                p.skip()?;
                            }
                            if hit {
                                why = Some(cat.into_owned());
                            }
                            Ok(())
                        })?,
                        _ => p.skip()?,
                    }
                    Ok(())
                })?;
                if img.url.is_none() && img.base64.is_none() {
                    refused = refused.take().or(why.or(Some(String::new())));
                } else {
                    out.images.push(img);
                }
                Ok(())
            })?,
            ("usage", Kind::Object) => out.usage = Some(read_usage(p)?),
            ("output_format", Kind::String) => out.format = Some(p.str()?.into_owned()),
            ("size", Kind::String) => out.size = Some(p.str()?.into_owned()),
            ("error", Kind::Object) => error = Some(read_error_parts(p)?),
            _ => p.skip()?,
        }
        Ok(())
    })
    .and_then(|_| p.end())
    .map_err(|e| {
        LlmError::parse(format!(
            "the image answer is not in the provider's format ({e})"
        ))
    })?;
    if let Some((code, message, revised)) = error {
        if is_filter(code.as_deref()) {
            let mut e = filtered(message, revised.as_deref());
            e.provider_code = code;
            return Err(e);
        }
        return Err(LlmError::new(
            ErrorCode::BadRequest,
            format!("the image request failed: {message}"),
        ));
    }
    if out.images.is_empty() {
        return Err(match refused {
            Some(why) => filtered(
                format!(
                    "the generated image was filtered by the service's safety system{}",
                    if why.is_empty() {
                        String::new()
                    } else {
                        format!(" ({why})")
                    }
                ),
                None,
            ),
            None => LlmError::parse("the image answer has no images"),
        });
    }
    Ok(out)
}

/// The image answer rewritten in the library's shape (without the served fields).
fn image_json(t: &dyn Target, body: &[u8]) -> Result<Vec<u8>> {
    let a = parse_image(t, body)?;
    let mut w = JsonWriter::new();
    w.begin_obj()
        .opt_str("format", a.format.as_deref())
        .opt_str("size", a.size.as_deref());
    w.key("images").begin_arr();
    for i in &a.images {
        w.begin_obj()
            .opt_str("imageUrl", i.url.as_deref())
            .opt_str("imageBase64", i.base64.as_deref())
            .opt_str("revisedPrompt", i.revised_prompt.as_deref())
            .end_obj();
    }
    w.end_arr();
    #[cfg_attr(not(feature = "media"), allow(unused_mut))]
    if let Some(mut u) = a.usage {
        #[cfg(feature = "media")]
        {
            u.cost_usd = cost::image_tokens(&t.profile().meta.pricing, &u);
        }
        w.key("usage");
        u.write(&mut w);
    }
    w.end_obj();
    Ok(w.finish().into_bytes())
}

fn write_served<T>(w: &mut JsonWriter, model: &str, s: &Served<T>) {
    w.key("model")
        .str(model)
        .key("latencyMs")
        .num(s.latency_ms)
        .key("endpoint")
        .str(&s.origin)
        .key("attempts");
    write_attempts(w, &s.attempts);
}

/// The media methods of a model from the factory: its helpers and its executor.
pub struct Media<'a> {
    pub helpers: &'a BaseLlm,
    pub exec: &'a Arc<Executor>,
    /// The model's running usage and cost, which chat calls share.
    pub totals: &'a Totals,
}

impl Media<'_> {
    /// The checks every media call runs first: the output kind, the model open, the
    /// parameters, and every endpoint's model accepting them. Nothing is sent on failure.
    fn prepare(
        &self,
        method: &str,
        text: String,
        params: &str,
        stream: bool,
        edit: Option<EditInputs>,
    ) -> Result<MediaOp> {
        let image = method.ends_with("Image");
        let kind = if image {
            MediaType::Image
        } else {
            MediaType::Audio
        };
        if !self.helpers.metadata.supports_output(kind) {
            return Err(self.helpers.unsupported_media(method, kind));
        }
        self.exec.check_open()?;
        let (what, known) = if image {
            ("ImageParams", IMAGE_FIELDS)
        } else {
            ("SpeechParams", SPEECH_FIELDS)
        };
        let op = MediaOp {
            text,
            image,
            stream,
            p: Fields::read(params, what, known)?,
            finals: Lock::default(),
            raw_seen: AtomicBool::new(false),
            edit: edit.filter(|_| image),
            totals: self.totals.clone(),
        };
        for t in self.exec.targets() {
            op.check(&**t)?;
        }
        Ok(op)
    }

    /// getImage: the answer as JSON ({ model, format?, size?, images, usage?, latencyMs,
    /// endpoint, attempts }); the first image's fields are lifted in JS. One executor
    /// instantiation serves images and speech (bytes): the image answer is checked and
    /// rewritten inside it, so an unreadable answer still fails over.
    pub fn get_image(
        &self,
        prompt: String,
        ctx: RequestContext,
        params: &str,
        edit: Option<EditInputs>,
    ) -> BoxFuture<'static, Result<String>> {
        let op = self.prepare("getImage", prompt, params, false, edit);
        let exec = self.exec.clone();
        boxed(async move {
            let op = op?;
            let s = exec.complete(&op, &ctx, image_json).await?;
            let mut out = String::from_utf8(s.value.clone()).unwrap_or_default();
            out.pop(); // the closing brace: the served fields follow
            let mut w = JsonWriter::new();
            w.begin_obj();
            #[cfg(feature = "media")]
            {
                let target = exec.target(s.endpoint);
                if family(target, true) == Family::Dalle {
                    // dall-e reports no usage: the images made, priced by quality and size.
                    let u = op.images_usage(cost::count_images(&s.value));
                    cost::account(op.totals_ref(), target, &u);
                    w.key("usage");
                    u.write(&mut w);
                } else if let Some(u) = cost::served_usage(&s.value) {
                    cost::account(op.totals_ref(), target, &u);
                }
            }
            write_served(
                &mut w,
                &exec.target(s.endpoint).profile().meta.model_name,
                &s,
            );
            w.end_obj();
            out.push(',');
            out.push_str(w.finish().get(1..).unwrap_or("}"));
            Ok(out)
        })
    }

    /// getAudio: ({ model, format, mimeType, latencyMs, endpoint, attempts } as JSON, bytes).
    pub fn get_audio(
        &self,
        input: String,
        ctx: RequestContext,
        params: &str,
    ) -> BoxFuture<'static, Result<(String, Vec<u8>)>> {
        let op = self.prepare("getAudio", input, params, false, None);
        let exec = self.exec.clone();
        boxed(async move {
            let op = op?;
            let mut s = exec.complete(&op, &ctx, |_, b| Ok(b.to_vec())).await?;
            let format = op.format();
            let mut w = JsonWriter::new();
            w.begin_obj()
                .key("format")
                .str(&format)
                .key("mimeType")
                .str(audio_mime(&format));
            // tts-1/-hd: priced by the input's characters. gpt-4o-mini-tts's plain answer is
            // bare audio with no token usage: no usage and no cost (streamAudio reports them).
            #[cfg(feature = "media")]
            if op.raw_audio(exec.target(s.endpoint)) {
                let u = op.characters_usage(exec.target(s.endpoint));
                cost::account(op.totals_ref(), exec.target(s.endpoint), &u);
                w.key("usage");
                u.write(&mut w);
            }
            write_served(
                &mut w,
                &exec.target(s.endpoint).profile().meta.model_name,
                &s,
            );
            w.end_obj();
            Ok((w.finish(), core::mem::take(&mut s.value)))
        })
    }

    /// getVideo/streamVideo's run: every check first (nothing is sent on failure).
    #[cfg(feature = "media")]
    fn video(
        &self,
        method: &str,
        text: String,
        ctx: RequestContext,
        params: &str,
    ) -> Result<video::VideoRun> {
        if !self.helpers.metadata.supports_output(MediaType::Video) {
            return Err(self.helpers.unsupported_media(method, MediaType::Video));
        }
        self.exec.check_open()?;
        let p = Fields::read(params, "VideoParams", VIDEO_FIELDS)?;
        let interval = match p.num("pollIntervalMs")? {
            Some(v) if !(10.0..=600_000.0).contains(&v) => {
                return Err(bad("pollIntervalMs", "from 10 to 600000"))
            }
            Some(v) => v,
            None => video::DEFAULT_POLL_MS,
        };
        let op = video::CreateOp {
            api: video::api_of(&self.exec.target(0).profile().meta.family),
            prompt: text,
            size: p.str("size")?,
            seconds: p.num("seconds")?,
            extra: p.extra,
        };
        for t in self.exec.targets() {
            op.check(&**t)?;
        }
        Ok(video::VideoRun::new(
            self.exec.clone(),
            ctx,
            op,
            interval,
            self.totals.clone(),
        ))
    }

    /// streamImage / streamAudio: batches whose chunks are base64 payloads.
    pub fn stream(
        &self,
        method: &str,
        text: String,
        ctx: RequestContext,
        params: &str,
        edit: Option<EditInputs>,
    ) -> BoxStream<'static, Result<ChunkBatch>> {
        #[cfg(feature = "media")]
        if method.ends_with("Video") {
            return match self.video(method, text, ctx, params) {
                Ok(run) => boxed_stream(futures::stream::unfold(run, |mut r| async move {
                    r.next().await.map(|item| (item, r))
                })),
                Err(e) => boxed_stream(futures::stream::once(async move { Err(e) })),
            };
        }
        let op = match self.prepare(method, text, params, true, edit) {
            Ok(op) => Arc::new(op),
            Err(e) => return boxed_stream(futures::stream::once(async move { Err(e) })),
        };
        let s = EngineStream::new(self.exec.clone(), ctx, op);
        boxed_stream(futures::stream::unfold(s, |mut s| async move {
            s.next_batch().await.map(|item| (item, s))
        }))
    }
}

// The request and parser tests read edits' multipart bodies, built only with the feature.
#[cfg(all(test, feature = "media"))]
mod tests;
