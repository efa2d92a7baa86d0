//! Azure endpoint configuration as data. Backups inherit every field they leave out
//! (deploymentName, apiKey or getToken, apiVersion) from the primary (design doc §6).

use crate::core::error::{LlmError, Result};
use crate::core::params::GenerationParams;
use crate::prelude::*;
use crate::resilience::{Policy, Strategy, StreamFailover};
use crate::wire::json::{JResult, Json, Kind};

/// A credential that never prints itself.
#[derive(Clone, PartialEq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Debug for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
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

#[derive(Default)]
struct EndpointInput {
    endpoint: Option<String>,
    deployment_name: Option<String>,
    api_key: Option<String>,
    /// The host replaces a getToken function with its provider index.
    get_token: Option<usize>,
    api_version: Option<String>,
    weight: Option<f64>,
}

#[derive(Debug)]
pub struct AzureConfig {
    pub model: String,
    pub endpoints: Vec<EndpointSpec>,
    pub policy: Policy,
    pub defaults: GenerationParams,
}

const CONFIG_HINT: &str = "An Azure config is { provider: \"azure\", model, endpoint, deploymentName, apiKey or getToken, apiVersion?, backups? }.";
const TOP_FIELDS: &str = "provider, model, endpoint, deploymentName, apiKey, getToken, apiVersion, weight, backups, timeoutMs, idleTimeoutMs, retry, loadBalancing, circuitBreaker, streamFailover, allowInsecureHttp, defaults";

/// Reads one member into an endpoint; false when the key is not an endpoint field.
fn endpoint_field(
    p: &mut Json,
    key: &str,
    e: &mut EndpointInput,
    at: &str,
    problem: &mut Option<LlmError>,
) -> JResult<bool> {
    let kind = p.kind()?;
    if kind == Kind::Null {
        p.skip()?;
        return Ok(matches!(
            key,
            "endpoint" | "deploymentName" | "apiKey" | "getToken" | "apiVersion" | "weight"
        ));
    }
    let text =
        |p: &mut Json, slot: &mut Option<String>, problem: &mut Option<LlmError>| -> JResult<()> {
            if kind == Kind::String {
                *slot = Some(p.str()?.into_owned());
            } else {
                // The value is never echoed: it may be a credential.
                *problem = Some(LlmError::invalid_input(
                    format!("{at}.{key} must be a string, got {}", kind.name()),
                    CONFIG_HINT,
                ));
                p.skip()?;
            }
            Ok(())
        };
    match key {
        "endpoint" => text(p, &mut e.endpoint, problem)?,
        "deploymentName" => text(p, &mut e.deployment_name, problem)?,
        "apiKey" => text(p, &mut e.api_key, problem)?,
        "apiVersion" => text(p, &mut e.api_version, problem)?,
        "getToken" => e.get_token = Some(p.u64()? as usize),
        "weight" if kind == Kind::Number => e.weight = Some(p.f64()?),
        "weight" => {
            *problem = Some(LlmError::invalid_input(
                format!("{at}.weight must be a number"),
                "Weights are relative; 1 is the default.",
            ));
            p.skip()?
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn positive_ms(p: &mut Json, at: &str, problem: &mut Option<LlmError>) -> JResult<Option<f64>> {
    if p.kind()? == Kind::Number {
        let x = p.f64()?;
        if x > 0.0 && x.is_finite() {
            return Ok(Some(x));
        }
    } else {
        p.skip()?;
    }
    *problem = Some(LlmError::invalid_input(
        format!("{at} must be a positive number of milliseconds"),
        "Leave it out for the default.",
    ));
    Ok(None)
}

fn unknown(at: &str, key: &str, fields: &str) -> LlmError {
    LlmError::invalid_input(
        format!("{at}: unknown field `{key}`"),
        format!("Known fields: {fields}. {CONFIG_HINT}"),
    )
}

impl AzureConfig {
    /// Parses and checks a config; `default_api_version` is the model's own.
    pub fn from_json(
        json: &str,
        default_api_version: impl Fn(&str) -> Option<&'static str>,
    ) -> Result<AzureConfig> {
        let mut primary = EndpointInput::default();
        let mut backups: Vec<EndpointInput> = Vec::new();
        let (mut provider, mut model) = (None::<String>, None::<String>);
        let mut policy = Policy::default();
        let mut allow_http = false;
        let mut defaults_raw: Option<String> = None;
        let mut problem: Option<LlmError> = None;
        let mut p = Json::new(json);
        let r = p
            .obj(|p, k| {
                if problem.is_some() {
                    return p.skip();
                }
                let key = k.as_ref();
                if endpoint_field(p, key, &mut primary, "config", &mut problem)? {
                    return Ok(());
                }
                if p.null()? {
                    return Ok(());
                }
                let kind = p.kind()?;
                match key {
                    "provider" | "model" | "loadBalancing" | "streamFailover" if kind == Kind::String => {
                        let v = p.str()?.into_owned();
                        match key {
                            "provider" => provider = Some(v),
                            "model" => model = Some(v),
                            "loadBalancing" => match Strategy::parse(&v) {
                                Some(s) => policy.strategy = s,
                                None => problem = Some(LlmError::invalid_input(format!("config.loadBalancing \"{v}\" is not a strategy"), "Use \"priority\", \"round-robin\", \"weighted\" or \"least-latency\".")),
                            },
                            _ => match StreamFailover::parse(&v) {
                                Some(s) => policy.stream_failover = s,
                                None => problem = Some(LlmError::invalid_input(format!("config.streamFailover \"{v}\" is not an option"), "Use \"reject\" or \"continue\".")),
                            },
                        }
                    }
                    "backups" if kind == Kind::Array => p.arr(|p, i| {
                        let mut b = EndpointInput::default();
                        let at = format!("config.backups[{i}]");
                        if p.kind()? != Kind::Object {
                            problem.get_or_insert(LlmError::invalid_input(format!("{at} must be an object"), "Each backup is { endpoint, ... }."));
                            return p.skip();
                        }
                        p.obj(|p, k| {
                            if !endpoint_field(p, &k, &mut b, &at, &mut problem)? {
                                problem.get_or_insert(unknown(&at, &k, "endpoint, deploymentName, apiKey, getToken, apiVersion, weight"));
                                p.skip()?;
                            }
                            Ok(())
                        })?;
                        backups.push(b);
                        Ok(())
                    })?,
                    "timeoutMs" => policy.attempt_timeout_ms = positive_ms(p, "config.timeoutMs", &mut problem)?,
                    "idleTimeoutMs" => policy.idle_timeout_ms = positive_ms(p, "config.idleTimeoutMs", &mut problem)?,
                    "allowInsecureHttp" if kind == Kind::Bool => allow_http = p.bool()?,
                    "retry" if kind == Kind::Object => p.obj(|p, k| {
                        match k.as_ref() {
                            "retries" => policy.retries = (p.u64()? as u32).min(10),
                            "baseDelayMs" => policy.backoff_base_ms = p.f64()?.max(0.0),
                            "maxDelayMs" => policy.backoff_max_ms = p.f64()?.max(0.0),
                            other => {
                                problem.get_or_insert(unknown("config.retry", other, "retries, baseDelayMs, maxDelayMs"));
                                p.skip()?
                            }
                        }
                        Ok(())
                    })?,
                    "circuitBreaker" if kind == Kind::Object => p.obj(|p, k| {
                        match k.as_ref() {
                            "failures" => policy.breaker_failures = (p.u64()?.min(u32::MAX as u64) as u32).max(1),
                            "cooldownMs" => policy.breaker_cooldown_ms = p.f64()?.max(0.0),
                            other => {
                                problem.get_or_insert(unknown("config.circuitBreaker", other, "failures, cooldownMs"));
                                p.skip()?
                            }
                        }
                        Ok(())
                    })?,
                    "defaults" if kind == Kind::Object => defaults_raw = Some(p.raw()?.to_string()),
                    "provider" | "model" | "loadBalancing" | "streamFailover" | "backups" | "allowInsecureHttp" | "retry" | "circuitBreaker" | "defaults" => {
                        problem = Some(LlmError::invalid_input(format!("config.{key} has the wrong type ({})", kind.name()), CONFIG_HINT));
                        p.skip()?
                    }
                    other => {
                        problem = Some(unknown("config", other, TOP_FIELDS));
                        p.skip()?
                    }
                }
                Ok(())
            })
            .and_then(|_| p.end());
        if let Some(e) = problem {
            return Err(e);
        }
        if let Err(e) = r {
            return Err(LlmError::invalid_input(
                format!("config is not a valid object ({e})"),
                CONFIG_HINT,
            ));
        }
        match provider.as_deref() {
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
        let model = model.ok_or_else(|| {
            LlmError::invalid_input(
                "config.model is missing",
                "Set model to an id from listModels(), e.g. \"gpt-4.1-mini\".",
            )
        })?;
        let version_default = default_api_version(&model).unwrap_or("2024-10-21");
        let first = resolve(&primary, None, allow_http, version_default, "config")?;
        let mut endpoints = vec![first];
        for (i, b) in backups.iter().enumerate() {
            let spec = resolve(
                b,
                Some(&endpoints[0]),
                allow_http,
                version_default,
                &format!("config.backups[{i}]"),
            )?;
            endpoints.push(spec);
        }
        let defaults = match defaults_raw {
            Some(raw) => GenerationParams::from_json(&raw).map_err(|mut e| {
                // "params.x must be…" names the field as config.defaults.x here.
                if let Some(rest) = e.message.strip_prefix("params") {
                    e.message = format!("config.defaults{rest}");
                }
                e
            })?,
            None => GenerationParams::default(),
        };
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
pub fn parse_origin(raw: &str, allow_http: bool) -> core::result::Result<String, String> {
    let raw = raw.trim();
    let sep = crate::core::find(raw, "://").ok_or_else(|| "is not an absolute URL".to_string())?;
    // `get`, not indexing: no slicing panic path in the wasm (the offsets are ASCII anyway).
    let (scheme, rest) = (
        raw.get(..sep).unwrap_or(""),
        raw.get(sep + 3..).unwrap_or(""),
    );
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(format!("uses {scheme}://, not https://"));
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at_checked(end).unwrap_or((rest, ""));
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
