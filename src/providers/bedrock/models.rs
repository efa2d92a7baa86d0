//! Bedrock's models, consulted before the shared table for provider "bedrock".
//!
//! Prices: USD per million tokens, on-demand, US East (N. Virginia). Source claimed for every
//! row: the public price list at aws.amazon.com/bedrock/pricing as the author knew it in
//! 2025, NOT re-read from the live page (no access to its tables). /work/shared holds no
//! Bedrock prices, so no row could be checked against the project's facts. Each row says
//! what it was cross-checked against instead (December 2026): "agrees" = the same input and
//! output price in at least two independent public price tables of other projects (third
//! party, not AWS: reference, not authority); "conflicting" = public tables disagree;
//! "unchecked" = nothing found. Treat every price as indicative and check before billing
//! anyone. Other regions, batch, provisioned throughput and some geographies' cross-region
//! profiles cost differently. Context windows and output limits are from the model
//! providers' Bedrock model cards, same caveat. Cached-input prices are given only where
//! prompt caching exists on Bedrock.

use crate::core::metadata::{MediaType, ModelMetadata, Pricing};
use crate::models::table::{TEXT, TEXT_IMAGE};
use crate::models::{Profile, Rules};
use crate::prelude::*;

struct Entry {
    id: &'static str,
    family: &'static str,
    inputs: &'static [MediaType],
    context: u64,
    max_out: u64,
    /// input, output, cached input (None: no prompt caching)
    price: (f64, f64, Option<f64>),
}

#[rustfmt::skip]
const MODELS: &[Entry] = &[
    // Anthropic
    // price: agrees (15/75); cached 1.50 in one table
    Entry { id: "anthropic.claude-opus-4-20250514-v1:0", family: "claude", inputs: TEXT_IMAGE, context: 200_000, max_out: 32_000, price: (15.00, 75.00, Some(1.50)) },
    // price: agrees (3/15); cached 0.30 unchecked
    Entry { id: "anthropic.claude-sonnet-4-20250514-v1:0", family: "claude", inputs: TEXT_IMAGE, context: 200_000, max_out: 64_000, price: (3.00, 15.00, Some(0.30)) },
    // price: agrees (3/15, cached 0.30)
    Entry { id: "anthropic.claude-3-7-sonnet-20250219-v1:0", family: "claude", inputs: TEXT_IMAGE, context: 200_000, max_out: 64_000, price: (3.00, 15.00, Some(0.30)) },
    // price: agrees (3/15); one table lists caching (read 0.30): left out
    Entry { id: "anthropic.claude-3-5-sonnet-20241022-v2:0", family: "claude", inputs: TEXT_IMAGE, context: 200_000, max_out: 8_192, price: (3.00, 15.00, None) },
    // price: agrees (0.80/4); cached 0.08 in one table; older tables say 1/5, the price before AWS lowered it
    Entry { id: "anthropic.claude-3-5-haiku-20241022-v1:0", family: "claude", inputs: TEXT, context: 200_000, max_out: 8_192, price: (0.80, 4.00, Some(0.08)) },
    // price: agrees (0.25/1.25)
    Entry { id: "anthropic.claude-3-haiku-20240307-v1:0", family: "claude", inputs: TEXT_IMAGE, context: 200_000, max_out: 4_096, price: (0.25, 1.25, None) },
    // Amazon Nova
    // price: agrees (0.80/3.20); cached 0.20 unchecked
    Entry { id: "amazon.nova-pro-v1:0", family: "nova", inputs: TEXT_IMAGE, context: 300_000, max_out: 5_000, price: (0.80, 3.20, Some(0.20)) },
    // price: agrees (0.06/0.24); cached 0.015 unchecked
    Entry { id: "amazon.nova-lite-v1:0", family: "nova", inputs: TEXT_IMAGE, context: 300_000, max_out: 5_000, price: (0.06, 0.24, Some(0.015)) },
    // price: agrees (0.035/0.14); cached 0.00875 unchecked
    Entry { id: "amazon.nova-micro-v1:0", family: "nova", inputs: TEXT, context: 128_000, max_out: 5_000, price: (0.035, 0.14, Some(0.00875)) },
    // Meta Llama
    // price: agrees (0.72/0.72)
    Entry { id: "meta.llama3-3-70b-instruct-v1:0", family: "llama", inputs: TEXT, context: 128_000, max_out: 8_192, price: (0.72, 0.72, None) },
    // price: agrees (0.72/0.72); older tables say 0.99
    Entry { id: "meta.llama3-1-70b-instruct-v1:0", family: "llama", inputs: TEXT, context: 128_000, max_out: 2_048, price: (0.72, 0.72, None) },
    // price: agrees (0.22/0.22)
    Entry { id: "meta.llama3-1-8b-instruct-v1:0", family: "llama", inputs: TEXT, context: 128_000, max_out: 2_048, price: (0.22, 0.22, None) },
    // Mistral
    // price: conflicting: 2/6 in two tables, 3/9 and 4/12 in others
    Entry { id: "mistral.mistral-large-2407-v1:0", family: "mistral", inputs: TEXT, context: 128_000, max_out: 8_192, price: (2.00, 6.00, None) },
    // price: conflicting: 1/3 in one table, 0.2/0.6 and 0.6/1.8 in others
    Entry { id: "mistral.mistral-small-2402-v1:0", family: "mistral", inputs: TEXT, context: 32_000, max_out: 8_192, price: (1.00, 3.00, None) },
    // price: agrees (0.45/0.70)
    Entry { id: "mistral.mixtral-8x7b-instruct-v0:1", family: "mistral", inputs: TEXT, context: 32_000, max_out: 4_096, price: (0.45, 0.70, None) },
];

/// The model behind `id`: a model id, or a cross-region inference profile id
/// (`us.`, `eu.`, `apac.`, `global.` ... in front of it).
pub fn find(id: &str) -> Option<Profile> {
    let bare = match super::cut(id, ".") {
        Some((geo, rest))
            if !geo.is_empty()
                && geo.len() <= 6
                && geo.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
                && rest.contains('.') =>
        {
            rest
        }
        _ => id,
    };
    let e = MODELS.iter().find(|e| e.id == id || e.id == bare)?;
    Some(Profile {
        meta: ModelMetadata {
            model_name: id.to_string(),
            family: e.family.to_string(),
            provider: "bedrock".to_string(),
            input_types: e.inputs.to_vec(),
            output_types: vec![MediaType::Text],
            context_window: e.context,
            max_output_tokens: e.max_out,
            pricing: Pricing {
                input_per_m_tok: Some(e.price.0),
                output_per_m_tok: Some(e.price.1),
                cached_input_per_m_tok: e.price.2,
                ..Default::default()
            },
        },
        rules: Rules::Standard,
    })
}

pub fn all() -> Vec<Profile> {
    MODELS.iter().filter_map(|e| find(e.id)).collect()
}
