//! What a model is: its media types, limits and prices.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    Text,
    Image,
    Audio,
    Video,
}

/// USD per million tokens (and per unit for media).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Pricing {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_per_m_tok: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_per_m_tok: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cached_input_per_m_tok: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_image: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_m_characters: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_second: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelMetadata {
    pub model_name: String,
    pub family: String,
    pub provider: String,
    pub input_types: Vec<MediaType>,
    pub output_types: Vec<MediaType>,
    pub context_window: u64,
    pub max_output_tokens: u64,
    pub pricing: Pricing,
}

impl ModelMetadata {
    pub fn supports_output(&self, t: MediaType) -> bool {
        self.output_types.contains(&t)
    }
    pub fn supports_input(&self, t: MediaType) -> bool {
        self.input_types.contains(&t)
    }
}
