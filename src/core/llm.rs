//! The contract (ILLM) and the helpers every model gets (BaseLLM), design doc §1 and §3.

use super::context::RequestContext;
use super::error::{LlmError, Result};
use super::maybe_send::{BoxFuture, BoxStream, MaybeSend, MaybeSync};
use super::message::{Content, ContentPart, ImageUrl, Message, Role};
use super::metadata::{MediaType, ModelMetadata};
use super::params::GenerationParams;
use super::response::{ChunkBatch, LlmResponse};
use super::tokens;
use crate::prelude::*;

/// The contract: any type with these two methods is an LLM. Object-safe, so a
/// `Box<dyn Llm>` can hold any model. The stream yields one batch of chunks per network
/// read; `ChunkBatch::chunks()` splits a batch into `StreamChunk`s.
pub trait Llm: MaybeSend + MaybeSync {
    fn get_answer(
        &self,
        messages: Vec<Message>,
        ctx: RequestContext,
        params: GenerationParams,
    ) -> BoxFuture<'static, Result<LlmResponse>>;
    fn stream_answer(
        &self,
        messages: Vec<Message>,
        ctx: RequestContext,
        params: GenerationParams,
    ) -> BoxStream<'static, Result<ChunkBatch>>;
}

/// The helpers of BaseLLM: the same code serves the library's models and JS subclasses.
#[derive(Clone, Debug)]
pub struct BaseLlm {
    pub metadata: ModelMetadata,
    pub defaults: GenerationParams,
}

impl BaseLlm {
    pub fn new(metadata: ModelMetadata, defaults: GenerationParams) -> Self {
        BaseLlm { metadata, defaults }
    }

    pub fn validate_messages(&self, messages: &[Message]) -> Result<()> {
        super::message::validate_messages(messages)?;
        // Inputs the model cannot take are refused here rather than by the service.
        for (i, m) in messages.iter().enumerate() {
            if let Some(Content::Parts(parts)) = &m.content {
                for p in parts {
                    let (kind, name) = match p {
                        ContentPart::ImageUrl { .. } => (MediaType::Image, "images"),
                        ContentPart::InputAudio { .. } => (MediaType::Audio, "audio"),
                        ContentPart::Text { .. } => continue,
                    };
                    if !self.metadata.supports_input(kind) {
                        return Err(LlmError::unsupported(
                            format!(
                                "messages[{i}] has {name}, which {} does not accept",
                                self.metadata.model_name
                            ),
                            format!(
                                "Pick a model whose inputTypes include \"{}\" (see listModels()).",
                                kind.as_str()
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    pub fn merge_parameters(&self, params: &GenerationParams) -> GenerationParams {
        self.defaults.merge(params)
    }

    pub fn estimate_tokens(&self, messages: &[Message]) -> u64 {
        tokens::estimate_tokens(messages)
    }

    pub fn validate_token_limits(
        &self,
        messages: &[Message],
        max_tokens: Option<u64>,
    ) -> Result<()> {
        tokens::validate_token_limits(&self.metadata, messages, max_tokens)
    }

    pub fn check_text_output_support(&self) -> Result<()> {
        if self.metadata.supports_output(MediaType::Text) {
            return Ok(());
        }
        Err(LlmError::unsupported(
            format!("{} does not support text output", self.metadata.model_name),
            format!(
                "This model is for media generation only. Use {}.",
                self.media_methods().join(", ")
            ),
        ))
    }

    /// The methods this model does support, for hints.
    pub fn supported_methods(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.metadata.supports_output(MediaType::Text) {
            out.extend(["getAnswer", "streamAnswer"]);
            if self.metadata.supports_input(MediaType::Image) {
                out.push("getAnswerWithVision");
            }
        }
        out.extend(self.media_methods());
        out
    }

    fn media_methods(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (t, names) in [
            (MediaType::Image, ["getImage", "streamImage"]),
            (MediaType::Audio, ["getAudio", "streamAudio"]),
            (MediaType::Video, ["getVideo", "streamVideo"]),
        ] {
            if self.metadata.supports_output(t) {
                out.extend(names);
            }
        }
        out
    }

    /// The refusal for a media method the model lacks (design doc §4).
    pub fn unsupported_media(&self, method: &str, output: MediaType) -> LlmError {
        let what = match output {
            MediaType::Image => "image",
            MediaType::Audio => "audio",
            MediaType::Video => "video",
            MediaType::Text => "text",
        };
        LlmError::unsupported(
            format!(
                "{} does not support {what} output ({method})",
                self.metadata.model_name
            ),
            format!(
                "{} supports: {}.",
                self.metadata.model_name,
                self.supported_methods().join(", ")
            ),
        )
    }

    /// Builds the vision request (`get_answer_with_vision`): the prompt and each image as
    /// parts of one user message.
    pub fn vision_messages(&self, prompt: &str, images: &[String]) -> Result<Vec<Message>> {
        if !self.metadata.supports_input(MediaType::Image) {
            return Err(LlmError::unsupported(
                format!("{} does not accept images", self.metadata.model_name),
                "Pick a model whose inputTypes include \"image\", e.g. gpt-4.1-mini or gpt-4o.",
            ));
        }
        if prompt.trim().is_empty() {
            return Err(LlmError::invalid_input(
                "the vision prompt is empty",
                "Ask something about the images.",
            ));
        }
        if images.is_empty() {
            return Err(LlmError::invalid_input(
                "no images given",
                "Pass at least one image: a URL, a data: URL, bytes or a Blob.",
            ));
        }
        let mut parts = vec![ContentPart::Text {
            text: prompt.to_string(),
        }];
        parts.extend(images.iter().map(|url| ContentPart::ImageUrl {
            image_url: ImageUrl {
                url: url.clone(),
                detail: None,
            },
        }));
        let messages = vec![Message {
            role: Role::User,
            content: Some(Content::Parts(parts)),
            name: None,
            tool_calls: None,
            tool_call_id: None,
        }];
        self.validate_messages(&messages)?;
        Ok(messages)
    }
}

/// The media type of image bytes, read from their signature.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Image bytes as a data: URL, refusing what Azure's vision models do not read.
pub fn image_data_url(bytes: &[u8]) -> Result<String> {
    let mime = sniff_image(bytes).ok_or_else(|| {
        LlmError::invalid_input(
            format!("image bytes ({} bytes) are not PNG, JPEG, GIF or WebP", bytes.len()),
            "Azure's vision models read PNG, JPEG, GIF (first frame) and WebP; convert the image first.",
        )
    })?;
    Ok(format!("data:{mime};base64,{}", base64(bytes)))
}

pub fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if c.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn sniffs_images() {
        assert_eq!(sniff_image(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert!(image_data_url(b"hello")
            .unwrap_err()
            .hint
            .unwrap()
            .contains("PNG"));
    }
}
