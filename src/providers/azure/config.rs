//! Azure endpoint configuration as data. Backups inherit every field they leave out
//! (deploymentName, apiKey or getToken, apiVersion) from the primary (design doc §6).

use crate::core::error::{LlmError, Result};
use crate::core::params::GenerationParams;
use crate::resilience::{Policy, Strategy, StreamFailover};
use serde::Deserialize;

/// A credential that never prints itself.
#[derive(Clone, PartialEq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Auth {
    ApiKey(Secret),
    /// Index into the token providers the host supplied (getToken functions in JS).
    Token(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct EndpointSpec {
    /// scheme://host[:port], the only form an endpoint appears in outside the connector.
    pub origin: String,
    pub deployment: String,
    pub api_version: String,
    pub auth: Auth,
    pub weight: f64,
}

impl EndpointSpec {
    pub fn chat_url(&self) -> String {
        format!(
            "{}/openai/deployments/{}/chat/completions?api-version={}",
            self.origin,
            encode_path(&self.deployment),
            encode_path(&self.api_version)
        )
    }
}

fn encode_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EndpointInput {
    endpoint: Option<String>,
    deployment_name: Option<String>,
    api_key: Option<String>,
    /// The host replaces a getToken function with its provider index.
    get_token: Option<usize>,
    api_version: Option<String>,
    weight: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RetryInput {
    retries: Option<u32>,
    base_delay_ms: Option<f64>,
    max_delay_ms: Option<f64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BreakerInput {
    failures: Option<u32>,
    cooldown_ms: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigInput {
    provider: Option<String>,
    model: Option<String>,
    endpoint: Option<String>,
    deployment_name: Option<String>,
    api_key: Option<String>,
    get_token: Option<usize>,
    api_version: Option<String>,
    weight: Option<f64>,
    #[serde(default)]
    backups: Vec<EndpointInput>,
    timeout_ms: Option<f64>,
    idle_timeout_ms: Option<f64>,
    #[serde(default)]
    retry: Option<RetryInput>,
    load_balancing: Option<Strategy>,
    circuit_breaker: Option<BreakerInput>,
    stream_failover: Option<StreamFailover>,
    #[serde(default)]
    allow_insecure_http: bool,
    defaults: Option<GenerationParams>,
}

#[derive(Debug)]
pub struct AzureConfig {
    pub model: String,
    pub endpoints: Vec<EndpointSpec>,
    pub policy: Policy,
    pub defaults: GenerationParams,
}

const CONFIG_HINT: &str = "An Azure config is { provider: \"azure\", model, endpoint, deploymentName, apiKey or getToken, apiVersion?, backups? }.";

impl AzureConfig {
    /// Parses and checks a config; `default_api_version` is the model's own.
    pub fn from_json(
        json: &str,
        default_api_version: impl Fn(&str) -> Option<&'static str>,
    ) -> Result<AzureConfig> {
        let input: ConfigInput = serde_json::from_str(json).map_err(|e| {
            // serde's message names the field; it never contains values of string fields.
            LlmError::invalid_input(format!("config: {e}"), CONFIG_HINT)
        })?;
        match input.provider.as_deref() {
            Some("azure") => {}
            Some(p) => {
                return Err(LlmError::invalid_input(
                    format!("config.provider \"{p}\" is not supported"),
                    "Only provider: \"azure\" is available in this version.",
                ))
            }
            None => {
                return Err(LlmError::invalid_input(
                    "config.provider is missing",
                    CONFIG_HINT,
                ))
            }
        }
        let model = input.model.clone().ok_or_else(|| {
            LlmError::invalid_input(
                "config.model is missing",
                "Set model to an id from listModels(), e.g. \"gpt-4.1-mini\".",
            )
        })?;
        let version_default = default_api_version(&model).unwrap_or("2024-10-21");
        let primary_input = EndpointInput {
            endpoint: input.endpoint.clone(),
            deployment_name: input.deployment_name.clone(),
            api_key: input.api_key.clone(),
            get_token: input.get_token,
            api_version: input.api_version.clone(),
            weight: input.weight,
        };
        let primary = resolve(
            &primary_input,
            None,
            input.allow_insecure_http,
            version_default,
            "config",
        )?;
        let mut endpoints = vec![primary];
        for (i, b) in input.backups.iter().enumerate() {
            let spec = resolve(
                b,
                Some(&endpoints[0]),
                input.allow_insecure_http,
                version_default,
                &format!("config.backups[{i}]"),
            )?;
            endpoints.push(spec);
        }
        let mut policy = Policy::default();
        for (name, v) in [
            ("timeoutMs", input.timeout_ms),
            ("idleTimeoutMs", input.idle_timeout_ms),
        ] {
            if let Some(x) = v {
                if !(x > 0.0 && x.is_finite()) {
                    return Err(LlmError::invalid_input(
                        format!("config.{name} must be a positive number of milliseconds"),
                        "Leave it out for the default.",
                    ));
                }
            }
        }
        if input.timeout_ms.is_some() {
            policy.attempt_timeout_ms = input.timeout_ms;
        }
        if input.idle_timeout_ms.is_some() {
            policy.idle_timeout_ms = input.idle_timeout_ms;
        }
        if let Some(r) = input.retry {
            policy.retries = r.retries.unwrap_or(policy.retries).min(10);
            policy.backoff_base_ms = r.base_delay_ms.unwrap_or(policy.backoff_base_ms).max(0.0);
            policy.backoff_max_ms = r.max_delay_ms.unwrap_or(policy.backoff_max_ms).max(0.0);
        }
        if let Some(s) = input.load_balancing {
            policy.strategy = s;
        }
        if let Some(b) = input.circuit_breaker {
            policy.breaker_failures = b.failures.unwrap_or(policy.breaker_failures).max(1);
            policy.breaker_cooldown_ms =
                b.cooldown_ms.unwrap_or(policy.breaker_cooldown_ms).max(0.0);
        }
        if let Some(s) = input.stream_failover {
            policy.stream_failover = s;
        }
        let defaults = input.defaults.unwrap_or_default();
        defaults.validate()?;
        Ok(AzureConfig {
            model,
            endpoints,
            policy,
            defaults,
        })
    }
}

fn resolve(
    e: &EndpointInput,
    primary: Option<&EndpointSpec>,
    allow_http: bool,
    version_default: &str,
    at: &str,
) -> Result<EndpointSpec> {
    let raw = e.endpoint.as_deref().ok_or_else(|| {
        LlmError::invalid_input(
            format!("{at}.endpoint is missing"),
            "Set endpoint to https://<resource>.openai.azure.com.",
        )
    })?;
    let origin = parse_origin(raw, allow_http).map_err(|why| LlmError::invalid_input(format!("{at}.endpoint {why}"), "Use the resource URL, e.g. https://<resource>.openai.azure.com (no path, no credentials)."))?;
    let deployment = match (&e.deployment_name, primary) {
        (Some(d), _) => d.clone(),
        (None, Some(p)) => p.deployment.clone(),
        (None, None) => {
            return Err(LlmError::invalid_input(
                format!("{at}.deploymentName is missing"),
                "Set deploymentName to the name of the deployment in Azure AI Foundry.",
            ))
        }
    };
    if deployment.trim().is_empty() {
        return Err(LlmError::invalid_input(
            format!("{at}.deploymentName is empty"),
            "Set deploymentName to the deployment's name.",
        ));
    }
    let auth = match (&e.api_key, e.get_token, primary) {
        (Some(_), Some(_), _) => {
            return Err(LlmError::invalid_input(
                format!("{at} has both apiKey and getToken"),
                "Give one: apiKey for key auth, getToken for Entra ID.",
            ))
        }
        (Some(k), None, _) if k.trim().is_empty() => {
            return Err(LlmError::invalid_input(
                format!("{at}.apiKey is empty"),
                "Set apiKey to the resource's key, or use getToken.",
            ))
        }
        (Some(k), None, _) => Auth::ApiKey(Secret(k.clone())),
        (None, Some(i), _) => Auth::Token(i),
        (None, None, Some(p)) => p.auth.clone(),
        (None, None, None) => {
            return Err(LlmError::invalid_input(
                format!("{at} has no credentials"),
                "Set apiKey, or getToken returning an Entra ID bearer token.",
            ))
        }
    };
    let api_version = match (&e.api_version, primary) {
        (Some(v), _) => v.clone(),
        (None, Some(p)) => p.api_version.clone(),
        (None, None) => version_default.to_string(),
    };
    let weight = e.weight.unwrap_or(1.0);
    if !(weight >= 0.0 && weight.is_finite()) {
        return Err(LlmError::invalid_input(
            format!("{at}.weight must be a non-negative number"),
            "Weights are relative; 1 is the default.",
        ));
    }
    Ok(EndpointSpec {
        origin,
        deployment,
        api_version,
        auth,
        weight,
    })
}

/// The origin of an endpoint URL; refuses plain http except to loopback (or when allowed),
/// credentials in the URL, and paths (the connector builds Azure's path itself).
pub fn parse_origin(raw: &str, allow_http: bool) -> std::result::Result<String, String> {
    let raw = raw.trim();
    let (scheme, rest) = raw
        .split_once("://")
        .ok_or_else(|| "is not an absolute URL".to_string())?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(format!("uses {scheme}://, not https://"));
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    if authority.contains('@') {
        return Err("contains credentials; put the key in apiKey".into());
    }
    if authority.is_empty() {
        return Err("has no host".into());
    }
    if !(path.is_empty() || path == "/") {
        return Err(format!("has a path ({path})"));
    }
    let host = authority.to_ascii_lowercase();
    let hostname = if host.starts_with('[') {
        host.split(']')
            .next()
            .unwrap_or("")
            .trim_start_matches('[')
            .to_string()
    } else {
        host.split(':').next().unwrap_or("").to_string()
    };
    let loopback = hostname == "localhost" || hostname.starts_with("127.") || hostname == "::1";
    if scheme == "http" && !loopback && !allow_http {
        return Err("uses plain http:// to a non-loopback host (keys would travel in clear text); set allowInsecureHttp: true to allow it".into());
    }
    Ok(format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(json: &str) -> Result<AzureConfig> {
        AzureConfig::from_json(json, |_| None)
    }

    #[test]
    fn backups_inherit_from_the_primary() {
        let c = cfg(r#"{"provider":"azure","model":"gpt-4.1-mini","endpoint":"https://east.openai.azure.com/","deploymentName":"d1","apiKey":"k1","backups":[{"endpoint":"https://west.openai.azure.com"},{"endpoint":"https://north.openai.azure.com","apiKey":"k2","apiVersion":"2025-01-01-preview"}]}"#).unwrap();
        assert_eq!(c.endpoints[1].deployment, "d1");
        assert_eq!(c.endpoints[1].auth, Auth::ApiKey(Secret("k1".into())));
        assert_eq!(c.endpoints[1].api_version, "2024-10-21");
        assert_eq!(c.endpoints[2].auth, Auth::ApiKey(Secret("k2".into())));
        assert_eq!(c.endpoints[2].origin, "https://north.openai.azure.com");
        assert_eq!(c.endpoints[0].chat_url(), "https://east.openai.azure.com/openai/deployments/d1/chat/completions?api-version=2024-10-21");
    }

    #[test]
    fn bad_configs_are_named_and_never_echo_the_key() {
        let e = cfg(r#"{"provider":"azure","model":"m","endpoint":"http://example.com","deploymentName":"d","apiKey":"sekrit"}"#).unwrap_err();
        assert!(e.message.contains("http://"), "{}", e.message);
        assert!(!format!("{e:?}").contains("sekrit"));
        assert!(cfg(r#"{"provider":"azure","model":"m","endpoint":"http://127.0.0.1:8080","deploymentName":"d","apiKey":"k"}"#).is_ok());
        let e = cfg(r#"{"provider":"azure","model":"m","endpoint":"https://x","deploymentname":"d","apiKey":"sekrit"}"#).unwrap_err();
        assert!(
            e.message.contains("deploymentname") && !e.message.contains("sekrit"),
            "{}",
            e.message
        );
        let e = cfg(r#"{"provider":"azure","model":"m","endpoint":"https://u:p@x","deploymentName":"d","apiKey":"k"}"#).unwrap_err();
        assert!(e.message.contains("credentials") && !e.message.contains("u:p"));
    }
}
