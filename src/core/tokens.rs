//! Token estimation and the pre-flight limit check.
//!
//! The estimate errs high on purpose: it exists to refuse requests that cannot fit before
//! anything is sent, so an over-estimate costs a false refusal only near the limit, while an
//! under-estimate would cost a round trip and Azure's 400. English BPE averages ~4 characters
//! per token; characters outside ASCII (CJK, emoji) are often one token or more each.

use super::error::{LlmError, Result};
use super::message::{Content, ContentPart, Message};
use super::metadata::ModelMetadata;
use crate::prelude::*;

/// Per-message framing tokens in the chat format (role and separators), and the reply primer.
const PER_MESSAGE: u64 = 4;
const REPLY_PRIMER: u64 = 3;
/// Azure's image token cost: 85 for detail "low"; a 1024×1024 image at "high"/"auto" is 765.
const IMAGE_LOW: u64 = 85;
const IMAGE_HIGH: u64 = 765;

pub fn estimate_text_tokens(text: &str) -> u64 {
    let mut ascii = 0u64;
    let mut other = 0u64;
    for c in text.chars() {
        if c.is_ascii() {
            ascii += 1;
        } else {
            other += 1;
        }
    }
    ascii.div_ceil(4) + other
}

pub fn estimate_tokens(messages: &[Message]) -> u64 {
    let mut total = REPLY_PRIMER;
    for m in messages {
        total += PER_MESSAGE;
        if let Some(name) = &m.name {
            total += estimate_text_tokens(name);
        }
        match &m.content {
            None => {}
            Some(Content::Text(t)) => total += estimate_text_tokens(t),
            Some(Content::Parts(parts)) => {
                for p in parts {
                    total += match p {
                        ContentPart::Text { text } => estimate_text_tokens(text),
                        ContentPart::ImageUrl { image_url } => {
                            if image_url.detail.as_deref() == Some("low") {
                                IMAGE_LOW
                            } else {
                                IMAGE_HIGH
                            }
                        }
                        // ~10 tokens per second of audio; base64 of 16 kHz mono wav is ~43 KB/s.
                        ContentPart::InputAudio { input_audio } => {
                            (input_audio.data.len() as u64 / 4300).max(1)
                        }
                    };
                }
            }
        }
        for call in m.tool_calls.iter().flatten() {
            total += estimate_text_tokens(&call.function.name)
                + estimate_text_tokens(&call.function.arguments)
                + 3;
        }
    }
    total
}

/// Refuses, before sending, a prompt that cannot fit the context window with room for the
/// answer, or an answer budget above the model's output limit.
pub fn validate_token_limits(
    meta: &ModelMetadata,
    messages: &[Message],
    max_tokens: Option<u64>,
) -> Result<()> {
    // 0 means unknown (a model id the registry does not know, without modelProfile): the
    // server is the judge then.
    if let Some(max) = max_tokens.filter(|_| meta.max_output_tokens > 0) {
        if max > meta.max_output_tokens {
            return Err(LlmError::new(
                super::error::ErrorCode::TokenLimitExceeded,
                format!(
                    "maxTokens {max} is above {}'s output limit of {}",
                    meta.model_name, meta.max_output_tokens
                ),
            )
            .with_hint(format!(
                "Lower maxTokens to at most {}.",
                meta.max_output_tokens
            )));
        }
    }
    if meta.context_window == 0 {
        return Ok(());
    }
    let prompt = estimate_tokens(messages);
    let budget = max_tokens.unwrap_or(0);
    if prompt + budget > meta.context_window {
        return Err(LlmError::new(
            super::error::ErrorCode::TokenLimitExceeded,
            format!(
                "the prompt is about {prompt} tokens{}; {}'s context window is {}",
                if budget > 0 { format!(" plus maxTokens {budget}") } else { String::new() },
                meta.model_name,
                meta.context_window
            ),
        )
        .with_hint("Shorten or summarise earlier messages, lower maxTokens, or pick a model with a larger context window (see listModels())."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_grow_with_text_and_count_non_ascii_heavier() {
        assert_eq!(estimate_text_tokens(""), 0);
        assert_eq!(estimate_text_tokens("abcd"), 1);
        assert_eq!(estimate_text_tokens("abcde"), 2);
        assert_eq!(estimate_text_tokens("日本語"), 3);
        let short = estimate_tokens(&[Message::user("hi")]);
        let long = estimate_tokens(&[Message::user("hi ".repeat(100))]);
        assert!(long > short + 60);
    }
}
