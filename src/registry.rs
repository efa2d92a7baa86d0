//! The registry and factory: a config becomes targets (one per endpoint, each with its own
//! provider and model profile), an executor over them, and the chat model on top.

use crate::chat::ChatModel;
#[cfg(feature = "bedrock")]
use crate::config::AwsCredSpec;
use crate::config::{AuthSpec, Config, EndpointKind};
use crate::core::error::{LlmError, Result};
use crate::core::llm::{BaseLlm, Llm};
use crate::core::metadata::ModelMetadata;
use crate::engine::Executor;
use crate::models;
use crate::prelude::*;
use crate::providers::azure::AzureTarget;
#[cfg(feature = "bedrock")]
use crate::providers::bedrock;
#[cfg(feature = "bedrock")]
use crate::providers::bedrock::{BedrockAuth, BedrockTarget};
use crate::providers::openai::OpenAiTarget;
use crate::providers::{Auth, Target, TokenProvider};
use crate::transport::{Clock, Transport};
use alloc::sync::Arc;

pub fn list_models() -> Vec<ModelMetadata> {
    // Bedrock's table is not listed yet: listModels' contract (and its test) name the
    // shared table's models; Bedrock ids resolve through find_model and createLLM.
    models::list()
}

pub fn find_model(id: &str) -> Option<ModelMetadata> {
    let found = models::table::find(id);
    #[cfg(feature = "bedrock")]
    let found = found.or_else(|| bedrock::models::find(id));
    found.map(|p| p.meta)
}

/// A model's profile on `provider`: Bedrock's own table first (by the config's model id,
/// then the endpoint's modelId), else the shared table and family rules. With a
/// modelProfile the shared path applies it (over family rules, not Bedrock's table).
fn profile_for(
    id: &str,
    provider: &str,
    #[cfg_attr(not(feature = "bedrock"), allow(unused_variables))] model_id: Option<&str>,
    profile_json: Option<&str>,
) -> Result<models::Profile> {
    #[cfg(feature = "bedrock")]
    if provider == "bedrock" && profile_json.is_none() {
        if let Some(p) =
            bedrock::models::find(id).or_else(|| model_id.and_then(bedrock::models::find))
        {
            let mut p = p;
            p.meta.model_name = id.to_string();
            return Ok(p);
        }
    }
    models::resolve(id, provider, profile_json)
}

fn bedrock_model_id(kind: &EndpointKind) -> Option<&str> {
    match kind {
        EndpointKind::Bedrock(b) => b.model_id.as_deref(),
        _ => None,
    }
}

/// A model made by the factory: the contract, its helpers and its executor.
pub struct Model {
    pub llm: Box<dyn Llm>,
    pub helpers: BaseLlm,
    pub executor: Arc<Executor>,
    /// Running usage and cost by model and endpoint.
    pub totals: crate::chat::Totals,
    /// Whether the config asked for its own fetch (the bindings supply it).
    pub custom_fetch: bool,
    /// Each endpoint's name for sharing its health across isolates: no secret in it.
    #[cfg(feature = "shared-health")]
    pub health_ids: Vec<String>,
}

#[cfg(feature = "shared-health")]
/// An endpoint's health id: its origin, base path and deployment or model, so two
/// deployments on one resource stay apart. URLs with credentials or a query were refused,
/// and keys and headers are not part of it.
fn health_id(kind: &EndpointKind, model: &str) -> String {
    match kind {
        EndpointKind::Azure(s) => s.base.join("/") + &s.deployment,
        EndpointKind::OpenAi(s) => s.base.join("/") + s.model_name.as_deref().unwrap_or(model),
        EndpointKind::Bedrock(s) => {
            "bedrock:".to_string()
                + s.base
                    .as_ref()
                    .map_or(s.region.as_str(), |b| b.origin.as_str())
                + "/"
                + s.model_id.as_deref().unwrap_or(model)
        }
    }
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
    let primary = profile_for(
        &cfg.model,
        cfg.provider.as_str(),
        cfg.endpoints
            .first()
            .and_then(|e| bedrock_model_id(&e.kind)),
        cfg.model_profile.as_deref(),
    )?;
    let mut targets: Vec<Arc<dyn Target>> = Vec::new();
    #[cfg(feature = "shared-health")]
    let mut health_ids = Vec::new();
    for (i, ep) in cfg.endpoints.into_iter().enumerate() {
        #[cfg(feature = "shared-health")]
        health_ids.push(health_id(&ep.kind, &ep.model));
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
            EndpointKind::Bedrock(_) => "bedrock",
        };
        // The primary's profile (modelProfile included) serves every endpoint of the same
        // model and provider; a backup with another model or provider gets its own.
        let profile = if i == 0 || (ep.model == cfg.model && provider == cfg.provider.as_str()) {
            primary.clone()
        } else {
            profile_for(&ep.model, provider, bedrock_model_id(&ep.kind), None)?
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
            #[cfg(not(feature = "bedrock"))]
            EndpointKind::Bedrock(_) => return Err(crate::config::bedrock_not_built()),
            #[cfg(feature = "bedrock")]
            EndpointKind::Bedrock(spec) => {
                let bauth = match (spec.credentials, auth) {
                    (Some(AwsCredSpec::Static(c)), _) => BedrockAuth::Static(c),
                    (Some(AwsCredSpec::Provider(i)), _) => {
                        BedrockAuth::Provider(tokens.get(i).cloned().ok_or_else(|| {
                            LlmError::invalid_input(
                                "credentials refers to a missing credentials function",
                                "Pass credentials as an object or a function.",
                            )
                        })?)
                    }
                    (None, Auth::Key(k)) => BedrockAuth::ApiKey(k),
                    (None, _) => {
                        return Err(LlmError::invalid_input(
                            "a Bedrock endpoint has no credentials",
                            "Set credentials or apiKey.",
                        ))
                    }
                };
                let model_id = spec.model_id.unwrap_or_else(|| ep.model.clone());
                Arc::new(BedrockTarget::new(
                    &spec.region,
                    spec.base,
                    &model_id,
                    bauth,
                    &ep.headers,
                    ep.weight,
                    profile,
                    clock.clone(),
                ))
            }
        };
        targets.push(target);
    }
    let executor = Arc::new(Executor::new(targets, transport, clock, cfg.policy));
    let helpers = BaseLlm::new(primary.meta, cfg.defaults);
    let totals = crate::chat::Totals::default();
    let llm = ChatModel {
        helpers: helpers.clone(),
        exec: executor.clone(),
        totals: totals.clone(),
    };
    Ok(Model {
        llm: Box::new(llm),
        helpers,
        executor,
        totals,
        custom_fetch: cfg.custom_fetch,
        #[cfg(feature = "shared-health")]
        health_ids,
    })
}
