//! What a media call cost, at the model table's prices (src/models/table.rs, where each
//! price's source is named), and the model's running totals. Built with the `media`
//! feature only: the default entry carries no media operations.
//!
//! - gpt-image-1/-mini: text input tokens × the text price + image input tokens (edits) ×
//!   the image input price + output tokens × the image output price, from the usage the
//!   API returns (`input_tokens_details.text_tokens` / `image_tokens`, `output_tokens`).
//! - dall-e-3: images × the price of one at the asked quality and size (the API reports no
//!   usage).
//! - tts-1, tts-1-hd: characters of input × the price per million characters.
//! - gpt-4o-mini-tts: input tokens × the text price + output (audio) tokens × the audio
//!   price, where the API reports them (the SSE stream's `speech.audio.done`).
//! - sora-2, sora-2-pro: seconds of video × the price per second.

use crate::chat::{Totals, UsageTotal};
use crate::core::metadata::Pricing;
use crate::core::response::Usage;
use crate::models::table::DALLE3;
use crate::prelude::*;
use crate::providers::Target;
use crate::wire::json::{Json, Kind};

const M: f64 = 1_000_000.0;

/// gpt-image: USD from the token usage (text and image input at their own prices).
pub fn image_tokens(pricing: &Pricing, u: &Usage) -> Option<f64> {
    let text_price = pricing.input_per_m_tok?;
    let out_price = pricing.output_per_m_tok?;
    let image_in = u.media.image_input_tokens.unwrap_or(0).min(u.prompt_tokens);
    let text_in = u
        .media
        .text_input_tokens
        .unwrap_or(u.prompt_tokens - image_in);
    let image_price = pricing.image_input_per_m_tok.unwrap_or(text_price);
    Some(
        (text_in as f64 * text_price
            + image_in as f64 * image_price
            + u.completion_tokens as f64 * out_price)
            / M,
    )
}

/// dall-e-3: one image's price at `quality` and `size` (the API's defaults: standard,
/// 1024x1024); None for a combination the table does not list.
pub fn dalle_image(quality: Option<&str>, size: Option<&str>) -> Option<f64> {
    let (q, s) = (quality.unwrap_or("standard"), size.unwrap_or("1024x1024"));
    DALLE3
        .iter()
        .find(|(eq, es, _)| *eq == q && *es == s)
        .map(|e| e.2)
}

/// tts-1 / tts-1-hd: USD for `chars` characters.
pub fn characters(pricing: &Pricing, chars: u64) -> Option<f64> {
    pricing.per_m_characters.map(|p| chars as f64 * p / M)
}

/// gpt-4o-mini-tts: USD from its token usage (text in, audio out).
pub fn speech_tokens(pricing: &Pricing, u: &Usage) -> Option<f64> {
    Some(
        (u.prompt_tokens as f64 * pricing.input_per_m_tok?
            + u.completion_tokens as f64 * pricing.output_per_m_tok?)
            / M,
    )
}

/// Sora 2: USD for `seconds` of video.
pub fn video_seconds(pricing: &Pricing, seconds: f64) -> Option<f64> {
    pricing.per_second.map(|p| seconds * p)
}

/// Adds one media call's usage to the model's totals under its serving model and endpoint.
pub fn account(totals: &Totals, target: &dyn Target, usage: &Usage) {
    let model = &target.profile().meta.model_name;
    let mut all = totals.lock();
    let at = match all
        .iter()
        .position(|t| &t.model == model && t.endpoint == target.origin())
    {
        Some(i) => i,
        None => {
            all.push(UsageTotal {
                model: model.clone(),
                endpoint: target.origin().to_string(),
                ..Default::default()
            });
            all.len() - 1
        }
    };
    let t = &mut all[at];
    t.requests += 1;
    t.prompt_tokens += usage.prompt_tokens;
    t.completion_tokens += usage.completion_tokens;
    t.cost_usd += usage.cost_usd.unwrap_or(0.0);
}

/// The usage getImage's rewritten answer carries (image_json wrote it, priced), read back
/// for the totals: the executor's parser is a plain function, so it cannot hand it over.
pub fn served_usage(answer: &[u8]) -> Option<Usage> {
    let text = core::str::from_utf8(answer).ok()?;
    let mut u = None;
    let mut p = Json::new(text);
    p.obj(|p, k| {
        if k == "usage" && p.kind()? == Kind::Object {
            let mut v = Usage::default();
            p.obj(|p, k| {
                match (k.as_ref(), p.kind()?) {
                    ("promptTokens", Kind::Number) => v.prompt_tokens = p.u64()?,
                    ("completionTokens", Kind::Number) => v.completion_tokens = p.u64()?,
                    ("costUsd", Kind::Number) => v.cost_usd = Some(p.f64()?),
                    _ => p.skip()?,
                }
                Ok(())
            })?;
            u = Some(v);
        } else {
            p.skip()?;
        }
        Ok(())
    })
    .ok()?;
    u
}

/// How many images getImage's rewritten answer holds.
pub fn count_images(answer: &[u8]) -> u64 {
    let text = core::str::from_utf8(answer).unwrap_or("");
    let mut n = 0;
    let mut p = Json::new(text);
    let _ = p.obj(|p, k| {
        if k == "images" && p.kind()? == Kind::Array {
            p.arr(|p, _| {
                n += 1;
                p.skip()
            })
        } else {
            p.skip()
        }
    });
    n
}
