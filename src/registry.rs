//! The registry and factory: a config becomes targets (one per endpoint, each with its own
//! provider and model profile), an executor over them, and the chat model on top.

use crate::chat::ChatModel;
use crate::config::{AuthSpec, Config, EndpointKind};
use crate::core::error::{LlmError, Result};
use crate::core::llm::{BaseLlm, Llm};
use crate::core::metadata::ModelMetadata;
use crate::engine::Executor;
use crate::models;
use crate::prelude::*;
use crate::providers::azure::AzureTarget;
use crate::providers::openai::OpenAiTarget;
use crate::providers::{Auth, Target, TokenProvider};
use crate::transport::{Clock, Transport};
use alloc::sync::Arc;

pub fn list_models() -> Vec<ModelMetadata> {
    models::list()
}

pub fn find_model(id: &str) -> Option<ModelMetadata> {
    models::table::find(id).map(|p| p.meta)
}

/// A model made by the factory: the contract, its helpers and its executor.
pub struct Model {
    pub llm: Box<dyn Llm>,
    pub helpers: BaseLlm,
    pub executor: Arc<Executor>,
    /// Whether the config asked for its own fetch (the bindings supply it).
    pub custom_fetch: bool,
}

/// Parses the config far enough for the bindings to know what to supply.
pub fn wants_custom_fetch(config_json: &str) -> Result<bool> {
    Config::from_json(config_json).map(|c| c.custom_fetch)
}

/// The factory: parses the config and builds every endpoint's target.
pub fn create(
    config_json: &str,
    tokens: Vec<Arc<dyn TokenProvider>>,
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
) -> Result<Model> {
    let cfg = Config::from_json(config_json)?;
    let primary = models::resolve(
        &cfg.model,
        cfg.provider.as_str(),
        cfg.model_profile.as_deref(),
    )?;
    let mut targets: Vec<Arc<dyn Target>> = Vec::new();
    for (i, ep) in cfg.endpoints.into_iter().enumerate() {
        let auth = match ep.auth {
            AuthSpec::None => Auth::None,
            AuthSpec::Key(k) => Auth::Key(k),
            AuthSpec::Token(t) => Auth::Token(tokens.get(t).cloned().ok_or_else(|| {
                LlmError::invalid_input(
                    "getToken refers to a missing token provider",
                    "Pass getToken as a function.",
                )
            })?),
        };
        let provider = match ep.kind {
            EndpointKind::Azure(_) => "azure",
            EndpointKind::OpenAi(_) => "openai",
        };
        // The primary's profile (modelProfile included) serves every endpoint of the same
        // model and provider; a backup with another model or provider gets its own.
        let profile = if i == 0 || (ep.model == cfg.model && provider == cfg.provider.as_str()) {
            primary.clone()
        } else {
            models::resolve(&ep.model, provider, None)?
        };
        let target: Arc<dyn Target> = match ep.kind {
            EndpointKind::Azure(spec) => Arc::new(AzureTarget::new(
                spec,
                auth,
                &ep.headers,
                ep.weight,
                profile,
            )),
            EndpointKind::OpenAi(spec) => Arc::new(OpenAiTarget::new(
                spec,
                auth,
                &ep.headers,
                ep.weight,
                profile,
            )),
        };
        targets.push(target);
    }
    let executor = Arc::new(Executor::new(targets, transport, clock, cfg.policy));
    let helpers = BaseLlm::new(primary.meta, cfg.defaults);
    let llm = ChatModel {
        helpers: helpers.clone(),
        exec: executor.clone(),
    };
    Ok(Model {
        llm: Box::new(llm),
        helpers,
        executor,
        custom_fetch: cfg.custom_fetch,
    })
}
