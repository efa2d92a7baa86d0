//! The registry and factory: model id → metadata and implementation.
//!
//! Prices are USD per million tokens for Azure OpenAI "Global Standard" deployments, as
//! listed on Azure's and OpenAI's public price pages (azure.microsoft.com/pricing/details/
//! cognitive-services/openai-service and openai.com/api/pricing) in 2025; context windows
//! and output limits are from Azure's model documentation (learn.microsoft.com, "Azure
//! OpenAI models"). Regional and data-zone deployments cost somewhat more.

use crate::core::error::{LlmError, Result};
use crate::core::llm::BaseLlm;
use crate::core::metadata::{MediaType, ModelMetadata, Pricing};
use crate::prelude::*;
use crate::providers::azure::config::AzureConfig;
use crate::providers::azure::connector::{AzureConnector, TokenProvider};
use crate::providers::azure::models::{
    gpt_4_1::Gpt41, gpt_4_1_mini::Gpt41Mini, gpt_4o::Gpt4o, o_series,
};
use crate::providers::azure::AzureBase;
use crate::transport::{Clock, Transport};
use alloc::sync::Arc;

use crate::core::llm::Llm;

struct Entry {
    id: &'static str,
    family: &'static str,
    inputs: &'static [MediaType],
    context: u64,
    max_out: u64,
    price: (f64, f64, f64), // input, cached input, output
}

const TEXT_IMAGE: &[MediaType] = &[MediaType::Text, MediaType::Image];
const TEXT: &[MediaType] = &[MediaType::Text];

const MODELS: &[Entry] = &[
    Entry {
        id: "gpt-4.1",
        family: "gpt-4.1",
        inputs: TEXT_IMAGE,
        context: 1_047_576,
        max_out: 32_768,
        price: (2.00, 0.50, 8.00),
    },
    Entry {
        id: "gpt-4.1-mini",
        family: "gpt-4.1-mini",
        inputs: TEXT_IMAGE,
        context: 1_047_576,
        max_out: 32_768,
        price: (0.40, 0.10, 1.60),
    },
    Entry {
        id: "gpt-4.1-nano",
        family: "gpt-4.1",
        inputs: TEXT_IMAGE,
        context: 1_047_576,
        max_out: 32_768,
        price: (0.10, 0.025, 0.40),
    },
    Entry {
        id: "gpt-4o",
        family: "gpt-4o",
        inputs: TEXT_IMAGE,
        context: 128_000,
        max_out: 16_384,
        price: (2.50, 1.25, 10.00),
    },
    Entry {
        id: "gpt-4o-mini",
        family: "gpt-4o",
        inputs: TEXT_IMAGE,
        context: 128_000,
        max_out: 16_384,
        price: (0.15, 0.075, 0.60),
    },
    Entry {
        id: "o3-mini",
        family: "o-series",
        inputs: TEXT,
        context: 200_000,
        max_out: 100_000,
        price: (1.10, 0.55, 4.40),
    },
    Entry {
        id: "o4-mini",
        family: "o-series",
        inputs: TEXT_IMAGE,
        context: 200_000,
        max_out: 100_000,
        price: (1.10, 0.275, 4.40),
    },
];

fn metadata_of(e: &Entry) -> ModelMetadata {
    ModelMetadata {
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
    }
}

pub fn list_models() -> Vec<ModelMetadata> {
    MODELS.iter().map(metadata_of).collect()
}

pub fn find_model(id: &str) -> Option<ModelMetadata> {
    MODELS.iter().find(|e| e.id == id).map(metadata_of)
}

fn default_api_version(id: &str) -> Option<&'static str> {
    MODELS.iter().find(|e| e.id == id).map(|e| {
        if e.family == "o-series" {
            o_series::API_VERSION
        } else {
            "2024-10-21"
        }
    })
}

/// A model made by the factory: the contract, its helpers and its connector.
pub struct Model {
    pub llm: Box<dyn Llm>,
    pub helpers: BaseLlm,
    pub connector: Arc<AzureConnector>,
}

/// The factory: parses the config, picks the implementation for `model`.
pub fn create(
    config_json: &str,
    tokens: Vec<Arc<dyn TokenProvider>>,
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
) -> Result<Model> {
    let cfg = AzureConfig::from_json(config_json, default_api_version)?;
    let meta = find_model(&cfg.model).ok_or_else(|| {
        LlmError::invalid_input(
            format!("unknown model \"{}\"", cfg.model),
            format!(
                "config.model is a model id, whatever the deployment is called: one of {}.",
                MODELS.iter().map(|e| e.id).collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let connector = Arc::new(AzureConnector::new(
        cfg.endpoints,
        tokens,
        transport,
        clock,
        cfg.policy,
    )?);
    let helpers = BaseLlm::new(meta, cfg.defaults);
    let base = AzureBase {
        helpers: helpers.clone(),
        connector: connector.clone(),
    };
    let llm: Box<dyn Llm> = match cfg.model.as_str() {
        "gpt-4.1-mini" => Box::new(Gpt41Mini { base }),
        "gpt-4.1" | "gpt-4.1-nano" => Box::new(Gpt41 { base }),
        "gpt-4o" | "gpt-4o-mini" => Box::new(Gpt4o { base }),
        _ => Box::new(o_series::OSeries { base }),
    };
    Ok(Model {
        llm,
        helpers,
        connector,
    })
}
