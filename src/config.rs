//! A model's configuration as data: the primary endpoint, its backups (each on any
//! provider), the resilience policy, defaults and the model profile. Parsed from the JSON
//! the bindings hand over (functions already replaced by indices), checked whole before
//! anything is sent. Unknown fields are refused, never ignored.

use crate::core::error::{LlmError, Result};
use crate::core::params::GenerationParams;
use crate::prelude::*;
use crate::providers::target::Secret;
use crate::providers::url::{parse_base, valid_header_name, valid_header_value, BaseUrl};
use crate::resilience::{Policy, Strategy, StreamFailover};
use crate::wire::json::{JResult, Json, Kind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    Azure,
    OpenAi,
    Bedrock,
}

impl Provider {
    fn parse(s: &str) -> Result<Provider> {
        match s {
            "azure" => Ok(Provider::Azure),
            "openai" => Ok(Provider::OpenAi),
            "bedrock" if cfg!(feature = "bedrock") => Ok(Provider::Bedrock),
            "bedrock" => Err(bedrock_not_built()),
            other => Err(LlmError::invalid_input(
                format!("config.provider \"{other}\" is not a provider"),
                "Use provider \"azure\", \"openai\" or \"bedrock\".",
            )),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Azure => "azure",
            Provider::OpenAi => "openai",
            Provider::Bedrock => "bedrock",
        }
    }
    fn fields(self) -> &'static [&'static str] {
        match self {
            Provider::Azure => &[
                "endpoint",
                "deploymentName",
                "apiKey",
                "getToken",
                "apiVersion",
                "apiStyle",
                "headers",
                "weight",
            ],
            Provider::OpenAi => &[
                "baseURL",
                "apiKey",
                "getToken",
                "organization",
                "project",
                "modelName",
                "headers",
                "weight",
            ],
            Provider::Bedrock => &[
                "region",
                "credentials",
                "apiKey",
                "endpoint",
                "modelId",
                "headers",
                "weight",
            ],
        }
    }
    fn shape(self) -> &'static str {
        match self {
            Provider::Azure => "An Azure endpoint is { endpoint, deploymentName, apiKey or getToken, apiVersion?, apiStyle?, headers? }.",
            Provider::OpenAi => "An OpenAI endpoint is { baseURL (e.g. https://api.openai.com/v1), apiKey or getToken (optional for local servers), organization?, project?, modelName?, headers? }.",
            Provider::Bedrock => "A Bedrock endpoint is { region, credentials ({ accessKeyId, secretAccessKey, sessionToken? } or a function returning them) or apiKey (a Bedrock API key), endpoint?, modelId?, headers? }.",
        }
    }
}

/// The refusal when the package was built without the Bedrock provider (its size is
/// measured against the package's budget: see README).
pub fn bedrock_not_built() -> LlmError {
    LlmError::unsupported(
        "provider \"bedrock\" is not in this build of llm-edge",
        "Import from \"llm-edge/full\", which builds in every provider (the default entry keeps to Azure and OpenAI-compatible servers to stay small).",
    )
}

#[derive(Clone, Debug, PartialEq)]
pub enum AuthSpec {
    None,
    Key(Secret),
    /// Index into the token providers the host supplied (getToken functions in JS).
    Token(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AzureStyle {
    Deployments,
    V1,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AzureSpec {
    pub base: BaseUrl,
    pub deployment: String,
    /// None: the model profile's default.
    pub api_version: Option<String>,
    pub style: AzureStyle,
}

#[derive(Clone, Debug, PartialEq)]
pub struct OpenAiSpec {
    pub base: BaseUrl,
    pub organization: Option<String>,
    pub project: Option<String>,
    /// The server's name for the model; None: the config's model id.
    pub model_name: Option<String>,
}

/// Bedrock's SigV4 credentials: given, or asked of a host function per request.
#[derive(Clone, Debug, PartialEq)]
pub enum AwsCredSpec {
    Static(crate::providers::bedrock::sigv4::Credentials),
    /// Index into the host's functions (like getToken); each call returns credentials JSON.
    Provider(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct BedrockSpec {
    pub region: String,
    /// A configured endpoint (VPC endpoint, emulator, gateway with a path prefix).
    pub base: Option<BaseUrl>,
    /// Bedrock's model id or inference profile; None: the config's model id.
    pub model_id: Option<String>,
    /// None when the endpoint uses apiKey (its AuthSpec).
    pub credentials: Option<AwsCredSpec>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum EndpointKind {
    Azure(AzureSpec),
    OpenAi(OpenAiSpec),
    Bedrock(BedrockSpec),
}

/// One endpoint, resolved: inheritance applied, every field checked.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointConfig {
    pub kind: EndpointKind,
    pub auth: AuthSpec,
    pub headers: Vec<(String, String)>,
    pub weight: f64,
    /// The model id this endpoint serves (a cross-provider backup may name its own).
    pub model: String,
}

#[derive(Debug)]
pub struct Config {
    pub provider: Provider,
    pub model: String,
    pub model_profile: Option<String>,
    pub endpoints: Vec<EndpointConfig>,
    pub policy: Policy,
    pub defaults: GenerationParams,
    /// The host passed its own fetch.
    pub custom_fetch: bool,
}

/// Every member an endpoint object may carry, before the provider says which are allowed.
#[derive(Clone, Default)]
struct RawEndpoint {
    provider: Option<String>,
    model: Option<String>,
    endpoint: Option<String>,
    base_url: Option<String>,
    deployment_name: Option<String>,
    api_key: Option<String>,
    get_token: Option<usize>,
    api_version: Option<String>,
    api_style: Option<String>,
    organization: Option<String>,
    project: Option<String>,
    model_name: Option<String>,
    headers: Option<Vec<(String, String)>>,
    weight: Option<f64>,
    region: Option<String>,
    model_id: Option<String>,
    credentials: Option<AwsCredSpec>,
    /// Keys seen, to refuse the ones this endpoint's provider does not take.
    seen: Vec<String>,
}

const COMMON_FIELDS: &str = "provider, model, modelProfile, timeoutMs, idleTimeoutMs, fetch, retry, loadBalancing, circuitBreaker, streamFailover, allowInsecureHttp, limits, defaults, backups";
const ENDPOINT_KEYS: &[&str] = &[
    "endpoint",
    "baseURL",
    "deploymentName",
    "apiKey",
    "getToken",
    "apiVersion",
    "apiStyle",
    "organization",
    "project",
    "modelName",
    "headers",
    "weight",
    "region",
    "credentials",
    "modelId",
];

/// The longest timer a runtime keeps: setTimeout fires at once beyond 2^31 - 1 ms.
pub const MAX_TIMER_MS: f64 = 2_147_483_647.0;

fn bad(at: &str, what: &str, hint: &str) -> LlmError {
    LlmError::invalid_input(format!("{at} {what}"), hint)
}

/// Reads one endpoint member into `e`; false when `key` is not an endpoint field.
fn endpoint_member(
    p: &mut Json,
    key: &str,
    e: &mut RawEndpoint,
    at: &str,
    problem: &mut Option<LlmError>,
) -> JResult<bool> {
    if !ENDPOINT_KEYS.contains(&key) && key != "provider" && key != "model" {
        return Ok(false);
    }
    if p.null()? {
        return Ok(true); // null means "not set"
    }
    let kind = p.kind()?;
    e.seen.push(key.to_string());
    let slot = match key {
        "provider" => &mut e.provider,
        "model" => &mut e.model,
        "endpoint" => &mut e.endpoint,
        "baseURL" => &mut e.base_url,
        "deploymentName" => &mut e.deployment_name,
        "apiKey" => &mut e.api_key,
        "apiVersion" => &mut e.api_version,
        "apiStyle" => &mut e.api_style,
        "organization" => &mut e.organization,
        "project" => &mut e.project,
        "modelName" => &mut e.model_name,
        "region" => &mut e.region,
        "modelId" => &mut e.model_id,
        "credentials" => {
            match kind {
                // The bindings replace a credentials function with its index.
                Kind::Number => e.credentials = Some(AwsCredSpec::Provider(p.u64()? as usize)),
                Kind::Object => {
                    let (mut id, mut secret, mut token) = (None, None, None);
                    p.obj(|p, k| {
                        let slot = match k.as_ref() {
                            "accessKeyId" => &mut id,
                            "secretAccessKey" => &mut secret,
                            "sessionToken" => &mut token,
                            other => {
                                problem.get_or_insert(unknown(
                                    &format!("{at}.credentials"),
                                    other,
                                    "accessKeyId, secretAccessKey, sessionToken",
                                ));
                                return p.skip();
                            }
                        };
                        if p.null()? {
                            return Ok(());
                        }
                        if p.kind()? == Kind::String {
                            *slot = Some(p.str()?.into_owned());
                        } else {
                            problem.get_or_insert(bad(
                                &format!("{at}.credentials.{k}"),
                                "must be a string",
                                "AWS credentials are strings.",
                            ));
                            p.skip()?;
                        }
                        Ok(())
                    })?;
                    let ok = |v: &Option<String>| {
                        v.as_deref()
                            .is_some_and(|s| !s.trim().is_empty() && valid_header_value(s))
                    };
                    if !ok(&id)
                        || !ok(&secret)
                        || token.as_deref().is_some_and(|t| !valid_header_value(t))
                    {
                        // The values are never echoed: they are credentials.
                        problem.get_or_insert(bad(&format!("{at}.credentials"), "needs accessKeyId and secretAccessKey as non-empty header-safe strings", "credentials: { accessKeyId, secretAccessKey, sessionToken? }, or a function returning them."));
                    }
                    e.credentials = Some(AwsCredSpec::Static(
                        crate::providers::bedrock::sigv4::Credentials {
                            access_key_id: id.unwrap_or_default(),
                            secret_access_key: secret.unwrap_or_default(),
                            session_token: token.filter(|t| !t.is_empty()),
                        },
                    ));
                }
                _ => {
                    problem.get_or_insert(bad(&format!("{at}.credentials"), "must be an object or a function", "credentials: { accessKeyId, secretAccessKey, sessionToken? }, or a function returning them."));
                    p.skip()?
                }
            }
            return Ok(true);
        }
        "getToken" => {
            e.get_token = Some(p.u64()? as usize);
            return Ok(true);
        }
        "weight" => {
            match kind {
                Kind::Number => e.weight = Some(p.f64()?),
                _ => {
                    problem.get_or_insert(bad(
                        &format!("{at}.weight"),
                        "must be a number",
                        "Weights are relative; 1 is the default.",
                    ));
                    p.skip()?
                }
            }
            return Ok(true);
        }
        _ => {
            // headers
            if kind != Kind::Object {
                problem.get_or_insert(bad(
                    &format!("{at}.headers"),
                    "must be an object of strings",
                    "headers: { \"x-tenant\": \"a\" }.",
                ));
                p.skip()?;
                return Ok(true);
            }
            let mut list = Vec::new();
            p.obj(|p, name| {
                if p.kind()? != Kind::String {
                    problem.get_or_insert(bad(
                        &format!("{at}.headers[\"{name}\"]"),
                        "must be a string",
                        "Header values are strings.",
                    ));
                    return p.skip();
                }
                let v = p.str()?;
                if !valid_header_name(&name) {
                    problem.get_or_insert(bad(
                        &format!("{at}.headers"),
                        "has a name that is not a valid HTTP header name",
                        "Header names are letters, digits and - _ . ! # $ % & ' * + ^ ` | ~.",
                    ));
                } else if !valid_header_value(&v) {
                    // The value is never echoed: it may be a credential.
                    problem.get_or_insert(bad(
                        &format!("{at}.headers[\"{name}\"]"),
                        "has a value with line breaks, control or non-Latin-1 characters",
                        "Header values must be Latin-1 text without control characters.",
                    ));
                }
                list.push((name.to_ascii_lowercase(), v.into_owned()));
                Ok(())
            })?;
            e.headers = Some(list);
            return Ok(true);
        }
    };
    if kind == Kind::String {
        *slot = Some(p.str()?.into_owned());
    } else {
        // The value is never echoed: it may be a credential.
        problem.get_or_insert(bad(
            &format!("{at}.{key}"),
            &format!("must be a string, got {}", kind.name()),
            "See the config's shape in the README.",
        ));
        p.skip()?;
    }
    Ok(true)
}

/// A timeout: positive and finite, clamped to what a runtime timer can hold.
fn positive_ms(p: &mut Json, at: &str, problem: &mut Option<LlmError>) -> JResult<Option<f64>> {
    if p.kind()? == Kind::Number {
        let x = p.f64()?;
        if x > 0.0 && x.is_finite() {
            return Ok(Some(x.min(MAX_TIMER_MS)));
        }
    } else {
        p.skip()?;
    }
    problem.get_or_insert(bad(
        at,
        "must be a positive number of milliseconds",
        "Leave it out for the default.",
    ));
    Ok(None)
}

fn non_negative(p: &mut Json, at: &str, problem: &mut Option<LlmError>) -> JResult<f64> {
    if p.kind()? == Kind::Number {
        let x = p.f64()?;
        if x >= 0.0 && x.is_finite() {
            return Ok(x.min(MAX_TIMER_MS));
        }
    } else {
        p.skip()?;
    }
    problem.get_or_insert(bad(
        at,
        "must be a non-negative number",
        "Leave it out for the default.",
    ));
    Ok(0.0)
}

fn count(p: &mut Json, at: &str, max: u64, problem: &mut Option<LlmError>) -> JResult<u32> {
    if p.kind()? == Kind::Number {
        if let Some(n) = crate::wire::json::parse_u64(p.raw()?) {
            return Ok(n.min(max) as u32);
        }
    } else {
        p.skip()?;
    }
    problem.get_or_insert(bad(
        at,
        "must be a non-negative integer",
        "Leave it out for the default.",
    ));
    Ok(0)
}

fn unknown(at: &str, key: &str, fields: &str) -> LlmError {
    LlmError::invalid_input(
        format!("{at}: unknown field `{key}`"),
        format!("Known fields: {fields}."),
    )
}

/// config.hedge: { delayMs?, delay?: "pNN", maxHedges? }. With `delay`, `delayMs` is the
/// least delay the percentile may give.
#[cfg(feature = "platform")]
fn parse_hedge(
    p: &mut Json,
    problem: &mut Option<LlmError>,
) -> JResult<crate::resilience::hedge::HedgePolicy> {
    use crate::resilience::hedge::{parse_percentile, HedgeDelay, HedgePolicy};
    let mut delay_ms: Option<f64> = None;
    let mut percentile: Option<f64> = None;
    let mut max_hedges = 1;
    p.obj(|p, k| {
        if p.null()? {
            return Ok(());
        }
        match k.as_ref() {
            "delayMs" => delay_ms = Some(non_negative(p, "config.hedge.delayMs", problem)?),
            "maxHedges" => max_hedges = count(p, "config.hedge.maxHedges", 10, problem)?,
            "delay" if p.kind()? == Kind::String => {
                let v = p.str()?;
                match parse_percentile(&v) {
                    Some(x) => percentile = Some(x),
                    None => {
                        problem.get_or_insert(bad("config.hedge.delay", &format!("\"{v}\" is not a percentile"), "Use \"p50\" to \"p99.9\" (of the endpoint's recent times to first byte), or delayMs for a fixed delay."));
                    }
                }
            }
            other => {
                problem.get_or_insert(unknown("config.hedge", other, "delayMs, delay (\"p90\", ...), maxHedges"));
                p.skip()?
            }
        }
        Ok(())
    })?;
    let delay = match (percentile, delay_ms) {
        (Some(pc), floor) => HedgeDelay::Percentile(pc, floor),
        (None, Some(ms)) => HedgeDelay::Fixed(ms),
        (None, None) => {
            problem.get_or_insert(bad("config.hedge", "needs delayMs or delay", "Use { delayMs: 200 } for a fixed delay or { delay: \"p95\" } to learn it from each endpoint's recent times to first byte."));
            HedgeDelay::Fixed(0.0)
        }
    };
    Ok(HedgePolicy { delay, max_hedges })
}

/// config.retryBudget: { ratio?, allowance? }.
#[cfg(feature = "platform")]
fn parse_budget(
    p: &mut Json,
    problem: &mut Option<LlmError>,
) -> JResult<crate::resilience::hedge::BudgetPolicy> {
    let mut b = crate::resilience::hedge::BudgetPolicy::default();
    p.obj(|p, k| {
        if p.null()? {
            return Ok(());
        }
        match k.as_ref() {
            "ratio" => {
                let r = non_negative(p, "config.retryBudget.ratio", problem)?;
                if r > 1.0 {
                    problem.get_or_insert(bad(
                        "config.retryBudget.ratio",
                        "must be from 0 to 1",
                        "It is the extra requests allowed per successful call: 0.1 allows 10%.",
                    ));
                }
                b.ratio = r;
            }
            "allowance" => {
                b.allowance = count(p, "config.retryBudget.allowance", 1_000_000, problem)? as f64
            }
            other => {
                problem.get_or_insert(unknown("config.retryBudget", other, "ratio, allowance"));
                p.skip()?
            }
        }
        Ok(())
    })?;
    Ok(b)
}

impl Config {
    pub fn from_json(json: &str) -> Result<Config> {
        let mut primary = RawEndpoint::default();
        let mut backups: Vec<RawEndpoint> = Vec::new();
        let mut model_profile: Option<String> = None;
        let mut policy = Policy::default();
        let mut allow_http = false;
        let mut custom_fetch = false;
        let mut defaults_raw: Option<String> = None;
        let mut problem: Option<LlmError> = None;
        let mut p = Json::new(json);
        let r = p
            .obj(|p, k| {
                if problem.is_some() {
                    return p.skip();
                }
                let key = k.as_ref();
                if endpoint_member(p, key, &mut primary, "config", &mut problem)? {
                    return Ok(());
                }
                if p.null()? {
                    return Ok(());
                }
                let kind = p.kind()?;
                match (key, kind) {
                    ("modelProfile", Kind::Object) => model_profile = Some(p.raw()?.to_string()),
                    ("loadBalancing", Kind::String) => {
                        let v = p.str()?;
                        match Strategy::parse(&v) {
                            Some(s) => policy.strategy = s,
                            None => problem = Some(bad("config.loadBalancing", &format!("\"{v}\" is not a strategy"), "Use \"priority\", \"round-robin\", \"weighted\" or \"least-latency\".")),
                        }
                    }
                    ("streamFailover", Kind::String) => {
                        let v = p.str()?;
                        match StreamFailover::parse(&v) {
                            Some(s) => policy.stream_failover = s,
                            None => problem = Some(bad("config.streamFailover", &format!("\"{v}\" is not an option"), "Use \"reject\" or \"continue\".")),
                        }
                    }
                    ("backups", Kind::Array) => p.arr(|p, i| {
                        let at = format!("config.backups[{i}]");
                        let mut b = RawEndpoint::default();
                        if p.kind()? != Kind::Object {
                            problem.get_or_insert(bad(&at, "must be an object", "Each backup is { endpoint, ... } or { provider, ... }."));
                            return p.skip();
                        }
                        p.obj(|p, k| {
                            if !endpoint_member(p, &k, &mut b, &at, &mut problem)? {
                                problem.get_or_insert(unknown(&at, &k, &ENDPOINT_KEYS.join(", ")));
                                p.skip()?;
                            }
                            Ok(())
                        })?;
                        backups.push(b);
                        Ok(())
                    })?,
                    ("timeoutMs", _) => policy.attempt_timeout_ms = positive_ms(p, "config.timeoutMs", &mut problem)?,
                    ("idleTimeoutMs", _) => policy.idle_timeout_ms = positive_ms(p, "config.idleTimeoutMs", &mut problem)?,
                    ("allowInsecureHttp", Kind::Bool) => allow_http = p.bool()?,
                    // The bindings replace a fetch function with `true`.
                    ("fetch", Kind::Bool) => custom_fetch = p.bool()?,
                    ("retry", Kind::Object) => p.obj(|p, k| {
                        if p.null()? {
                            return Ok(());
                        }
                        match k.as_ref() {
                            "retries" => policy.retries = count(p, "config.retry.retries", 10, &mut problem)?,
                            "baseDelayMs" => policy.backoff_base_ms = non_negative(p, "config.retry.baseDelayMs", &mut problem)?,
                            "maxDelayMs" => policy.backoff_max_ms = non_negative(p, "config.retry.maxDelayMs", &mut problem)?,
                            "rateLimited" if p.kind()? == Kind::Bool => policy.retry_rate_limited = p.bool()?,
                            other => {
                                problem.get_or_insert(unknown("config.retry", other, "retries, baseDelayMs, maxDelayMs, rateLimited"));
                                p.skip()?
                            }
                        }
                        Ok(())
                    })?,
                    ("circuitBreaker", Kind::Object) => p.obj(|p, k| {
                        if p.null()? {
                            return Ok(());
                        }
                        match k.as_ref() {
                            "failures" => policy.breaker_failures = count(p, "config.circuitBreaker.failures", u32::MAX as u64, &mut problem)?.max(1),
                            "cooldownMs" => policy.breaker_cooldown_ms = non_negative(p, "config.circuitBreaker.cooldownMs", &mut problem)?,
                            other => {
                                problem.get_or_insert(unknown("config.circuitBreaker", other, "failures, cooldownMs"));
                                p.skip()?
                            }
                        }
                        Ok(())
                    })?,
                    ("limits", Kind::Object) => p.obj(|p, k| {
                        if p.null()? {
                            return Ok(());
                        }
                        let l = &mut policy.limits;
                        let slot = match k.as_ref() {
                            "maxEventBytes" => &mut l.max_event_bytes,
                            "maxBodyBytes" => &mut l.max_body_bytes,
                            "maxStreamBytes" => &mut l.max_stream_bytes,
                            other => {
                                problem.get_or_insert(unknown("config.limits", other, "maxEventBytes, maxBodyBytes, maxStreamBytes"));
                                return p.skip();
                            }
                        };
                        let at = format!("config.limits.{k}");
                        let n = count(p, &at, u32::MAX as u64, &mut problem)?;
                        if n == 0 {
                            problem.get_or_insert(bad(&at, "must be a positive number of bytes", "Leave it out for the default."));
                        }
                        *slot = n as usize;
                        Ok(())
                    })?,
                    ("defaults", Kind::Object) => defaults_raw = Some(p.raw()?.to_string()),
                    #[cfg(feature = "platform")]
                    ("hedge", Kind::Object) => policy.hedge = Some(parse_hedge(p, &mut problem)?),
                    #[cfg(feature = "platform")]
                    ("retryBudget", Kind::Object) => policy.budget = Some(parse_budget(p, &mut problem)?),
                    #[cfg(not(feature = "platform"))]
                    ("hedge" | "retryBudget", _) => {
                        problem = Some(LlmError::invalid_input("config.hedge and config.retryBudget are in llm-edge/full", "Import createLLM from \"llm-edge/full\"."));
                        p.skip()?
                    }
                    #[cfg(feature = "platform")]
                    ("hedge" | "retryBudget", _) => {
                        problem = Some(bad(&format!("config.{key}"), &format!("must be an object, got {}", kind.name()), if key == "hedge" { "Use { delayMs: 200 } or { delay: \"p95\", maxHedges: 1 }." } else { "Use { ratio: 0.1, allowance: 10 }, or leave it out for those defaults." }));
                        p.skip()?
                    }
                    ("modelProfile" | "loadBalancing" | "streamFailover" | "backups" | "allowInsecureHttp" | "fetch" | "retry" | "circuitBreaker" | "limits" | "defaults", _) => {
                        problem = Some(bad(&format!("config.{key}"), &format!("has the wrong type ({})", kind.name()), "See the config's shape in the README."));
                        p.skip()?
                    }
                    (other, _) => {
                        problem = Some(unknown("config", other, &format!("{COMMON_FIELDS}, and the provider's endpoint fields")));
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
                "createLLM takes an object such as { provider: \"azure\", model, endpoint, deploymentName, apiKey }.",
            ));
        }
        let provider = Provider::parse(primary.provider.as_deref().ok_or_else(|| {
            LlmError::invalid_input(
                "config.provider is missing",
                "Set provider to \"azure\" or \"openai\".",
            )
        })?)?;
        let model = primary.model.clone().ok_or_else(|| {
            LlmError::invalid_input(
                "config.model is missing",
                "Set model to a model id, e.g. \"gpt-4.1-mini\" (see listModels()); any other id works with rules from its family or config.modelProfile.",
            )
        })?;
        if model.trim().is_empty() {
            return Err(LlmError::invalid_input(
                "config.model is empty",
                "Set model to a model id.",
            ));
        }
        let first = resolve(&primary, provider, None, &model, allow_http, "config")?;
        let mut endpoints = vec![first];
        for (i, b) in backups.iter().enumerate() {
            let at = format!("config.backups[{i}]");
            let (prov, inherit) = match &b.provider {
                // A backup naming a provider stands alone.
                Some(p) => (
                    Provider::parse(p).map_err(|mut e| {
                        e.message = crate::core::replace_all(
                            &e.message,
                            "config.provider",
                            &format!("{at}.provider"),
                        );
                        e
                    })?,
                    None,
                ),
                None => {
                    if b.model.is_some() {
                        return Err(bad(&format!("{at}.model"), "needs provider too", "A backup with its own model is a whole endpoint: give it provider and every field it needs."));
                    }
                    (provider, Some(&primary))
                }
            };
            let merged = match inherit {
                Some(parent) => inherit_from(b, parent),
                None => b.clone(),
            };
            let model = merged.model.clone().unwrap_or_else(|| model.clone());
            endpoints.push(resolve(
                &merged,
                prov,
                inherit.map(|_| &endpoints[0]),
                &model,
                allow_http,
                &at,
            )?);
        }
        let defaults = match defaults_raw {
            Some(raw) => GenerationParams::from_json(&raw).map_err(|mut e| {
                if let Some(rest) = e.message.strip_prefix("params") {
                    e.message = format!("config.defaults{rest}");
                }
                e
            })?,
            None => GenerationParams::default(),
        };
        Ok(Config {
            provider,
            model,
            model_profile,
            endpoints,
            policy,
            defaults,
            custom_fetch,
        })
    }
}

/// A partial backup: every field it leaves out comes from the primary.
fn inherit_from(b: &RawEndpoint, parent: &RawEndpoint) -> RawEndpoint {
    let mut m = b.clone();
    macro_rules! take {
        ($($f:ident),*) => { $( if m.$f.is_none() { m.$f = parent.$f.clone(); } )* };
    }
    take!(
        endpoint,
        base_url,
        deployment_name,
        api_version,
        api_style,
        organization,
        project,
        model_name,
        headers,
        region,
        model_id
    );
    // Credentials come as a whole: a backup with its own key does not also inherit a token.
    if m.api_key.is_none() && m.get_token.is_none() && m.credentials.is_none() {
        m.api_key = parent.api_key.clone();
        m.get_token = parent.get_token;
        m.credentials = parent.credentials.clone();
    }
    m
}

fn resolve(
    e: &RawEndpoint,
    provider: Provider,
    _primary: Option<&EndpointConfig>,
    model: &str,
    allow_http: bool,
    at: &str,
) -> Result<EndpointConfig> {
    for key in &e.seen {
        if key == "provider" || key == "model" {
            continue;
        }
        if !provider.fields().contains(&key.as_str()) {
            return Err(LlmError::invalid_input(
                format!(
                    "{at}.{key} is not a field of a provider \"{}\" endpoint",
                    provider.as_str()
                ),
                provider.shape(),
            ));
        }
    }
    let auth = match (&e.api_key, e.get_token) {
        (Some(_), Some(_)) => {
            return Err(bad(
                at,
                "has both apiKey and getToken",
                "Give one: apiKey, or getToken for tokens fetched per request.",
            ))
        }
        (Some(k), None) if k.trim().is_empty() => {
            return Err(bad(
                &format!("{at}.apiKey"),
                "is empty",
                "Set apiKey, or leave it out (OpenAI-compatible local servers), or use getToken.",
            ))
        }
        (Some(k), None) if !valid_header_value(k) => return Err(bad(
            &format!("{at}.apiKey"),
            "has characters a header cannot carry (line breaks, control or non-Latin-1 characters)",
            "Copy the key again; it is plain ASCII.",
        )),
        (Some(k), None) => AuthSpec::Key(Secret(k.clone())),
        (None, Some(i)) => AuthSpec::Token(i),
        (None, None) => AuthSpec::None,
    };
    let weight = e.weight.unwrap_or(1.0);
    if !(weight >= 0.0 && weight.is_finite()) {
        return Err(bad(
            &format!("{at}.weight"),
            "must be a non-negative number",
            "Weights are relative; 1 is the default.",
        ));
    }
    let text = |v: &Option<String>, name: &str| -> Result<Option<String>> {
        match v {
            Some(s) if s.trim().is_empty() => {
                Err(bad(&format!("{at}.{name}"), "is empty", provider.shape()))
            }
            Some(s) if !valid_header_value(s) => Err(bad(
                &format!("{at}.{name}"),
                "has control or non-Latin-1 characters",
                provider.shape(),
            )),
            other => Ok(other.clone()),
        }
    };
    let kind = match provider {
        Provider::Azure => {
            let raw = e.endpoint.as_deref().ok_or_else(|| {
                bad(
                    &format!("{at}.endpoint"),
                    "is missing",
                    "Set endpoint to https://<resource>.openai.azure.com (or your gateway's URL).",
                )
            })?;
            let mut base = parse_base(raw, allow_http).map_err(|why| bad(&format!("{at}.endpoint"), &why, "Use the resource URL, e.g. https://<resource>.openai.azure.com, or a gateway URL with its path prefix (no credentials, no query)."))?;
            let style = match e.api_style.as_deref() {
                None | Some("deployments") => AzureStyle::Deployments,
                Some("v1") => AzureStyle::V1,
                Some(other) => {
                    return Err(bad(
                        &format!("{at}.apiStyle"),
                        &format!("\"{other}\" is not a style"),
                        "Use \"deployments\" (default) or \"v1\".",
                    ))
                }
            };
            // A pasted ".../openai" or ".../openai/v1" names the API root, which the
            // request paths add themselves.
            for suffix in ["/openai/v1", "/openai"] {
                if let Some(stripped) = base.path.strip_suffix(suffix) {
                    base.path = stripped.to_string();
                    break;
                }
            }
            let deployment = e.deployment_name.clone().ok_or_else(|| {
                bad(
                    &format!("{at}.deploymentName"),
                    "is missing",
                    "Set deploymentName to the deployment's name in Azure AI Foundry.",
                )
            })?;
            if deployment.trim().is_empty() || deployment == "." || deployment == ".." {
                return Err(bad(
                    &format!("{at}.deploymentName"),
                    "is not a deployment name",
                    "Set deploymentName to the deployment's name.",
                ));
            }
            let api_version = text(&e.api_version, "apiVersion")?;
            if style == AzureStyle::V1 && api_version.is_some() {
                return Err(bad(
                    &format!("{at}.apiVersion"),
                    "does not apply to apiStyle \"v1\"",
                    "The v1 API has no api-version; leave it out.",
                ));
            }
            EndpointKind::Azure(AzureSpec {
                base,
                deployment,
                api_version,
                style,
            })
        }
        Provider::OpenAi => {
            let raw = e.base_url.as_deref().ok_or_else(|| {
                bad(
                    &format!("{at}.baseURL"),
                    "is missing",
                    "Set baseURL to https://api.openai.com/v1 or your server's /v1 URL.",
                )
            })?;
            let base = parse_base(raw, allow_http).map_err(|why| bad(&format!("{at}.baseURL"), &why, "Use the API root including its version, e.g. https://api.openai.com/v1 or http://127.0.0.1:8080/v1."))?;
            EndpointKind::OpenAi(OpenAiSpec {
                base,
                organization: text(&e.organization, "organization")?,
                project: text(&e.project, "project")?,
                model_name: text(&e.model_name, "modelName")?,
            })
        }
        Provider::Bedrock => {
            let region = e.region.clone().ok_or_else(|| {
                bad(
                    &format!("{at}.region"),
                    "is missing",
                    "Set region to the AWS region, e.g. \"us-east-1\".",
                )
            })?;
            // It becomes part of the host name and of every signature.
            if region.is_empty()
                || !region
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                return Err(bad(
                    &format!("{at}.region"),
                    "is not an AWS region name",
                    "Use a region such as \"us-east-1\" or \"eu-central-1\".",
                ));
            }
            let base = match &e.endpoint {
                Some(raw) => Some(parse_base(raw, allow_http).map_err(|why| bad(&format!("{at}.endpoint"), &why, "Use the runtime URL, e.g. https://bedrock-runtime.us-east-1.amazonaws.com, a VPC endpoint, or a gateway URL with its path prefix."))?),
                None => None,
            };
            let model_id = text(&e.model_id, "modelId")?;
            match (&e.credentials, &auth) {
                (Some(_), AuthSpec::Key(_)) => return Err(bad(at, "has both credentials and apiKey", "Give one: credentials for SigV4, or apiKey (a Bedrock API key).")),
                (None, AuthSpec::None) => return Err(bad(at, "has no credentials", "Set credentials ({ accessKeyId, secretAccessKey, sessionToken? } or a function returning them) or apiKey (a Bedrock API key).")),
                _ => {}
            }
            EndpointKind::Bedrock(BedrockSpec {
                region,
                base,
                model_id,
                credentials: e.credentials.clone(),
            })
        }
    };
    if provider == Provider::Bedrock && matches!(auth, AuthSpec::Token(_)) {
        return Err(bad(
            &format!("{at}.getToken"),
            "is not a Bedrock field",
            provider.shape(),
        ));
    }
    if provider == Provider::Azure && matches!(auth, AuthSpec::None) {
        return Err(bad(
            at,
            "has no credentials",
            "Set apiKey, or getToken returning an Entra ID bearer token.",
        ));
    }
    Ok(EndpointConfig {
        kind,
        auth,
        headers: e.headers.clone().unwrap_or_default(),
        weight,
        model: model.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backups_inherit_from_the_primary() {
        let c = Config::from_json(r#"{"provider":"azure","model":"gpt-4.1-mini","endpoint":"https://east.openai.azure.com/","deploymentName":"d1","apiKey":"k1","headers":{"X-Tenant":"t"},"backups":[{"endpoint":"https://west.openai.azure.com"},{"endpoint":"https://north.openai.azure.com","apiKey":"k2","apiVersion":"2025-01-01-preview"},{"provider":"openai","baseURL":"http://127.0.0.1:8080/v1","model":"smollm2"}]}"#).unwrap();
        let EndpointKind::Azure(west) = &c.endpoints[1].kind else {
            panic!()
        };
        assert_eq!(west.deployment, "d1");
        assert_eq!(c.endpoints[1].auth, AuthSpec::Key(Secret("k1".into())));
        assert_eq!(
            c.endpoints[1].headers,
            vec![("x-tenant".to_string(), "t".to_string())]
        );
        let EndpointKind::Azure(north) = &c.endpoints[2].kind else {
            panic!()
        };
        assert_eq!(north.api_version.as_deref(), Some("2025-01-01-preview"));
        assert_eq!(c.endpoints[2].auth, AuthSpec::Key(Secret("k2".into())));
        assert_eq!(
            c.endpoints[3].auth,
            AuthSpec::None,
            "a whole backup inherits no key"
        );
        assert_eq!(c.endpoints[3].model, "smollm2");
        assert_eq!(c.endpoints[1].model, "gpt-4.1-mini");
    }

    #[test]
    fn bad_configs_are_named_and_never_echo_secrets() {
        let base = r#""provider":"azure","model":"m","deploymentName":"d""#;
        for (json, needle) in [
            (
                format!(r#"{{{base},"endpoint":"http://example.com","apiKey":"sekrit"}}"#),
                "http://",
            ),
            (
                format!(
                    r#"{{{base},"endpoint":"https://x.example","deploymentname":"d","apiKey":"sekrit"}}"#
                ),
                "deploymentname",
            ),
            (
                format!(r#"{{{base},"endpoint":"https://u:sekrit@x.example","apiKey":"k"}}"#),
                "credentials",
            ),
            (
                format!(r#"{{{base},"endpoint":"https://x.example?code=sekrit","apiKey":"k"}}"#),
                "query",
            ),
            (
                format!(r#"{{{base},"endpoint":"https://x.example","apiKey":"sek\nrit"}}"#),
                "apiKey",
            ),
            (
                format!(
                    r#"{{{base},"endpoint":"https://x.example","apiKey":"k","baseURL":"https://y"}}"#
                ),
                "baseURL",
            ),
            (
                format!(r#"{{{base},"endpoint":"https://x.example","apiKey":"k","timeoutMs":-1}}"#),
                "timeoutMs",
            ),
            (
                format!(
                    r#"{{{base},"endpoint":"https://x.example","apiKey":"k","headers":{{"x":"a\rb"}}}}"#
                ),
                "headers",
            ),
            (
                r#"{"provider":"openai","model":"m"}"#.to_string(),
                "baseURL",
            ),
            (
                r#"{"provider":"bedrock","model":"m","region":"us-east-1"}"#.to_string(),
                "no credentials",
            ),
            (
                r#"{"provider":"bedrock","model":"m","region":"us-east-1","credentials":{"accessKeyId":"AK","secretAccessKey":""}}"#.to_string(),
                "credentials",
            ),
            (
                r#"{"provider":"bedrock","model":"m","region":"us east","apiKey":"sekrit"}"#.to_string(),
                "region",
            ),
            (
                r#"{"provider":"azure","model":"m","endpoint":"https://x.example","deploymentName":"d","apiKey":"k","region":"us-east-1"}"#.to_string(),
                "region",
            ),
        ] {
            let e = Config::from_json(&json).unwrap_err();
            if json.contains(r#""provider":"bedrock""#) && !cfg!(feature = "bedrock") {
                // Without the feature a Bedrock config is refused (its fields may be read
                // first, so a malformed one can be invalid_input), never echoing a secret.
                assert!(matches!(e.code.as_str(), "unsupported_operation" | "invalid_input"), "{json}");
                assert!(!format!("{e:?}").contains("sekrit"), "{json}");
                continue;
            }
            assert!(e.message.contains(needle), "{json}: {}", e.message);
            assert!(!format!("{e:?}").contains("sekrit"), "{json}");
        }
    }

    #[test]
    fn nulls_mean_not_set_and_timers_are_clamped() {
        let c = Config::from_json(r#"{"provider":"openai","model":"gpt-5","baseURL":"https://api.openai.com/v1","apiKey":null,"organization":null,"timeoutMs":4294967296,"retry":{"retries":null}}"#).unwrap();
        assert_eq!(c.policy.attempt_timeout_ms, Some(MAX_TIMER_MS));
        assert_eq!(c.endpoints[0].auth, AuthSpec::None);
    }
}
