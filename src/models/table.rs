//! The known models. Prices are USD per million tokens (input, cached input, output) from
//! OpenAI's public price list (openai.com/api/pricing, standard tier) and Azure OpenAI's
//! (azure.microsoft.com/pricing/details/cognitive-services/openai-service, Global
//! Standard), which list the same figures for these models; read in 2025 — check them
//! before billing anyone. Context windows and output limits are from the providers' model
//! pages (platform.openai.com/docs/models, learn.microsoft.com "Azure OpenAI models").
//! Regional and data-zone deployments on Azure cost somewhat more.

use super::{Profile, Rules};
use crate::core::metadata::{MediaType, ModelMetadata, Pricing};
use crate::prelude::*;

pub const TEXT_IMAGE: &[MediaType] = &[MediaType::Text, MediaType::Image];
pub const TEXT: &[MediaType] = &[MediaType::Text];

struct Entry {
    id: &'static str,
    family: &'static str,
    rules: Rules,
    inputs: &'static [MediaType],
    context: u64,
    max_out: u64,
    /// input, cached input, output
    price: (f64, f64, f64),
}

const STD: Rules = Rules::Standard;
const REASON: Rules = Rules::Reasoning { minimal: false };
const GPT5: Rules = Rules::Reasoning { minimal: true };

#[rustfmt::skip]
const MODELS: &[Entry] = &[
    Entry { id: "gpt-5", family: "gpt-5", rules: GPT5, inputs: TEXT_IMAGE, context: 400_000, max_out: 128_000, price: (1.25, 0.125, 10.00) },
    Entry { id: "gpt-5-mini", family: "gpt-5", rules: GPT5, inputs: TEXT_IMAGE, context: 400_000, max_out: 128_000, price: (0.25, 0.025, 2.00) },
    Entry { id: "gpt-5-nano", family: "gpt-5", rules: GPT5, inputs: TEXT_IMAGE, context: 400_000, max_out: 128_000, price: (0.05, 0.005, 0.40) },
    Entry { id: "gpt-4.1", family: "gpt-4.1", rules: STD, inputs: TEXT_IMAGE, context: 1_047_576, max_out: 32_768, price: (2.00, 0.50, 8.00) },
    Entry { id: "gpt-4.1-mini", family: "gpt-4.1-mini", rules: Rules::Gpt41Mini, inputs: TEXT_IMAGE, context: 1_047_576, max_out: 32_768, price: (0.40, 0.10, 1.60) },
    Entry { id: "gpt-4.1-nano", family: "gpt-4.1", rules: STD, inputs: TEXT_IMAGE, context: 1_047_576, max_out: 32_768, price: (0.10, 0.025, 0.40) },
    Entry { id: "gpt-4o", family: "gpt-4o", rules: STD, inputs: TEXT_IMAGE, context: 128_000, max_out: 16_384, price: (2.50, 1.25, 10.00) },
    Entry { id: "gpt-4o-mini", family: "gpt-4o", rules: STD, inputs: TEXT_IMAGE, context: 128_000, max_out: 16_384, price: (0.15, 0.075, 0.60) },
    Entry { id: "o3", family: "o-series", rules: REASON, inputs: TEXT_IMAGE, context: 200_000, max_out: 100_000, price: (2.00, 0.50, 8.00) },
    Entry { id: "o3-mini", family: "o-series", rules: REASON, inputs: TEXT, context: 200_000, max_out: 100_000, price: (1.10, 0.55, 4.40) },
    Entry { id: "o4-mini", family: "o-series", rules: REASON, inputs: TEXT_IMAGE, context: 200_000, max_out: 100_000, price: (1.10, 0.275, 4.40) },
];

fn profile_of(e: &Entry) -> Profile {
    Profile {
        meta: ModelMetadata {
            model_name: e.id.to_string(),
            family: e.family.to_string(),
            provider: "azure".to_string(),
            input_types: e.inputs.to_vec(),
            output_types: vec![MediaType::Text],
            context_window: e.context,
            max_output_tokens: e.max_out,
            pricing: Pricing {
                input_per_m_tok: Some(e.price.0),
                cached_input_per_m_tok: Some(e.price.1),
                output_per_m_tok: Some(e.price.2),
                ..Default::default()
            },
        },
        rules: e.rules,
    }
}

/// Media models (images, speech). Prices are USD from OpenAI's public price list
/// (openai.com/api/pricing), written from memory of the 2025 list: UNVERIFIED (the notes in
/// shared/notes 01-03 give the APIs, not prices; nothing here was re-read against the list),
/// check them before billing anyone. Azure's Global Standard lists the same figures for the
/// models it offers. How each is applied (src/media/cost.rs):
/// - gpt-image-1: $5 per million text input tokens, $10 per million image input tokens
///   (edits), $40 per million image output tokens; gpt-image-1-mini: $2 / $2.50 / $8. The
///   per-image figure is the listed price of a medium 1024x1024 image (informational).
/// - dall-e-3: per image by quality and size (DALLE3 below; $0.040 a standard 1024x1024).
/// - tts-1: $15 and tts-1-hd: $30 per million characters of input.
/// - gpt-4o-mini-tts: $0.60 per million text input tokens, $12 per million audio output
///   tokens (only streams report them: a getAudio answer is bare audio, so it has no cost).
struct MediaEntry {
    id: &'static str,
    family: &'static str,
    inputs: &'static [MediaType],
    output: MediaType,
    /// per image, per million characters, (input, output) per million tokens
    price: (Option<f64>, Option<f64>, Option<(f64, f64)>),
    /// image input tokens per million (gpt-image edits)
    #[cfg(feature = "media")]
    image_in: Option<f64>,
}

/// dall-e-3, USD per image: (quality, size, price). UNVERIFIED, as the media prices above:
/// standard $0.040 (1024x1024) / $0.080 (1792x1024, 1024x1792); hd $0.080 / $0.120.
#[cfg(feature = "media")]
pub const DALLE3: &[(&str, &str, f64)] = &[
    ("standard", "1024x1024", 0.040),
    ("standard", "1792x1024", 0.080),
    ("standard", "1024x1792", 0.080),
    ("hd", "1024x1024", 0.080),
    ("hd", "1792x1024", 0.120),
    ("hd", "1024x1792", 0.120),
];

#[rustfmt::skip]
const MEDIA: &[MediaEntry] = &[
    MediaEntry { id: "gpt-image-1", family: "gpt-image", inputs: TEXT_IMAGE, output: MediaType::Image, price: (Some(0.042), None, Some((5.00, 40.00))), #[cfg(feature = "media")] image_in: Some(10.00) },
    MediaEntry { id: "gpt-image-1-mini", family: "gpt-image", inputs: TEXT_IMAGE, output: MediaType::Image, price: (Some(0.011), None, Some((2.00, 8.00))), #[cfg(feature = "media")] image_in: Some(2.50) },
    MediaEntry { id: "dall-e-3", family: "dall-e", inputs: TEXT, output: MediaType::Image, price: (Some(0.040), None, None), #[cfg(feature = "media")] image_in: None },
    MediaEntry { id: "gpt-4o-mini-tts", family: "gpt-4o-mini-tts", inputs: TEXT, output: MediaType::Audio, price: (None, None, Some((0.60, 12.00))), #[cfg(feature = "media")] image_in: None },
    MediaEntry { id: "tts-1", family: "tts", inputs: TEXT, output: MediaType::Audio, price: (None, Some(15.00), None), #[cfg(feature = "media")] image_in: None },
    MediaEntry { id: "tts-1-hd", family: "tts", inputs: TEXT, output: MediaType::Audio, price: (None, Some(30.00), None), #[cfg(feature = "media")] image_in: None },
];

fn media_profile(e: &MediaEntry) -> Profile {
    Profile {
        meta: ModelMetadata {
            model_name: e.id.to_string(),
            family: e.family.to_string(),
            provider: "azure".to_string(),
            input_types: e.inputs.to_vec(),
            output_types: vec![e.output],
            context_window: 0,
            max_output_tokens: 0,
            pricing: Pricing {
                per_image: e.price.0,
                per_m_characters: e.price.1,
                input_per_m_tok: e.price.2.map(|p| p.0),
                output_per_m_tok: e.price.2.map(|p| p.1),
                #[cfg(feature = "media")]
                image_input_per_m_tok: e.image_in,
                ..Default::default()
            },
        },
        rules: STD,
    }
}

/// Video models (the full variant): (id, family, USD per second of video). sora-2 $0.10 and
/// sora-2-pro $0.30 a second (720p) are OpenAI's price list as remembered from late 2025,
/// not re-read here (notes 03 gives no prices): UNVERIFIED. Billed by the seconds asked
/// for (or the API's default: 4 for Sora 2). Azure's Sora (the jobs API) has
/// no per-second price we could source: left unset.
#[cfg(feature = "media")]
const VIDEO: &[(&str, &str, Option<f64>)] = &[
    ("sora", "sora", None),
    ("sora-2", "sora-2", Some(0.10)),
    ("sora-2-pro", "sora-2", Some(0.30)),
];

#[cfg(feature = "media")]
fn video_profile(e: &(&'static str, &'static str, Option<f64>)) -> Profile {
    let mut p = media_profile(&MediaEntry {
        id: e.0,
        family: e.1,
        inputs: TEXT,
        output: MediaType::Video,
        price: (None, None, None),
        image_in: None,
    });
    p.meta.pricing.per_second = e.2;
    p
}

#[cfg(feature = "media")]
fn find_video(id: &str) -> Option<Profile> {
    VIDEO.iter().find(|e| e.0 == id).map(video_profile)
}
#[cfg(not(feature = "media"))]
fn find_video(_: &str) -> Option<Profile> {
    None
}

pub fn find(id: &str) -> Option<Profile> {
    MODELS
        .iter()
        .find(|e| e.id == id)
        .map(profile_of)
        .or_else(|| MEDIA.iter().find(|e| e.id == id).map(media_profile))
        .or_else(|| find_video(id))
}

pub fn all() -> Vec<Profile> {
    let mut out: Vec<Profile> = MODELS.iter().map(profile_of).collect();
    out.extend(MEDIA.iter().map(media_profile));
    #[cfg(feature = "media")]
    out.extend(VIDEO.iter().map(video_profile));
    out
}
