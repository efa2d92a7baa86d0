//! AWS Bedrock as a target: the Converse API at `bedrock-runtime.{region}.amazonaws.com`
//! (or a configured endpoint, path prefix kept), signed with SigV4 (static credentials or
//! a provider asked per request) or a Bedrock API key as a bearer token. Streams are AWS
//! event streams, decoded by `wire::eventstream`.

pub mod converse;
pub mod models;
pub mod sha256;
pub mod sigv4;

use super::target::{base_headers, OpKind, Prepared, Secret, Target, TokenProvider, Wire};
use super::url::{encode_segment, BaseUrl};
use crate::core::context::RequestContext;
use crate::core::error::{ErrorCode, LlmError, Result};
use crate::core::maybe_send::{boxed, BoxFuture, Lock};
use crate::models::Profile;
use crate::prelude::*;
use crate::transport::{Clock, HttpRequest};
use crate::wire::json::{Json, Kind};
use alloc::sync::Arc;
use sigv4::{Credentials, SignInput, Signer};

/// How a Bedrock endpoint proves who is calling.
#[derive(Clone)]
pub enum BedrockAuth {
    /// SigV4 with fixed credentials.
    Static(Credentials),
    /// SigV4 with credentials from the host per request (JSON
    /// `{"accessKeyId","secretAccessKey","sessionToken"}`), so they may rotate.
    Provider(Arc<dyn TokenProvider>),
    /// A Bedrock API key, sent as `Authorization: Bearer`.
    ApiKey(Secret),
}

const CREDS_HINT: &str =
    "credentials must return (or resolve to) { accessKeyId, secretAccessKey, sessionToken? }.";

pub struct BedrockTarget {
    base: BaseUrl,
    /// host[:port] as the Host header will carry it (what SigV4 signs).
    host: String,
    /// The model path segment, encoded once.
    model_segment: String,
    auth: BedrockAuth,
    signer: Signer,
    headers: Vec<(String, String)>,
    weight: f64,
    profile: Profile,
    clock: Arc<dyn Clock>,
    /// Server clock minus ours, in ms, learned from a clock-skew answer; added to the time
    /// every later request to this endpoint is signed with.
    clock_offset_ms: Lock<f64>,
}

/// `s` split around the first `needle`: `str::split_once` with a string pattern, but with the
/// crate's byte search and no panicking slices (core's two-way searcher and str slicing's
/// panic path cost the wasm about 5 KB raw; bench/size/bedrock.sh).
pub fn cut<'a>(s: &'a str, needle: &str) -> Option<(&'a str, &'a str)> {
    let at = crate::core::find(s, needle)?;
    Some((s.get(..at)?, s.get(at + needle.len()..)?))
}

/// The origin's host as a browser sends it in Host: the default port left out.
fn host_of(origin: &str) -> String {
    let (scheme, rest) = cut(origin, "://").unwrap_or(("https", origin));
    let default = if scheme == "https" { ":443" } else { ":80" };
    rest.strip_suffix(default).unwrap_or(rest).to_string()
}

impl BedrockTarget {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        region: &str,
        base: Option<BaseUrl>,
        model_id: &str,
        auth: BedrockAuth,
        custom_headers: &[(String, String)],
        weight: f64,
        profile: Profile,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let base = base.unwrap_or_else(|| BaseUrl {
            origin: format!("https://bedrock-runtime.{region}.amazonaws.com"),
            path: String::new(),
        });
        let mut headers = base_headers(custom_headers);
        if let BedrockAuth::ApiKey(k) = &auth {
            headers.push(("authorization".into(), format!("Bearer {}", k.expose())));
        }
        BedrockTarget {
            host: host_of(&base.origin),
            base,
            model_segment: encode_segment(model_id),
            auth,
            signer: Signer::new(region, "bedrock"),
            headers,
            weight,
            profile,
            clock,
            clock_offset_ms: Lock::default(),
        }
    }

    /// The offset this endpoint's signatures currently add to the local clock, in ms.
    pub fn clock_offset_ms(&self) -> f64 {
        *self.clock_offset_ms.lock()
    }

    fn path(&self, op: OpKind) -> String {
        let action = if op == (OpKind::Chat { stream: true }) {
            "converse-stream"
        } else {
            "converse"
        };
        format!("{}/model/{}/{action}", self.base.path, self.model_segment)
    }

    async fn credentials(&self) -> Result<Option<Credentials>> {
        match &self.auth {
            BedrockAuth::Static(c) => Ok(Some(c.clone())),
            BedrockAuth::ApiKey(_) => Ok(None),
            BedrockAuth::Provider(p) => {
                let fail = |why: String| {
                    LlmError::new(
                        ErrorCode::Authentication,
                        format!("credentials failed: {why}"),
                    )
                    .with_hint(CREDS_HINT)
                };
                let json = p.token().await.map_err(fail)?;
                parse_credentials(&json)
                    .map(Some)
                    .map_err(|w| fail(w.to_string()))
            }
        }
    }
}

/// The credentials a host function returned, as JSON.
pub fn parse_credentials(json: &str) -> core::result::Result<Credentials, &'static str> {
    let (mut id, mut secret, mut token) = (None, None, None);
    let mut p = Json::new(json);
    p.obj(|p, k| {
        let slot = match k.as_ref() {
            "accessKeyId" => &mut id,
            "secretAccessKey" => &mut secret,
            "sessionToken" => &mut token,
            _ => return p.skip(),
        };
        if p.kind()? == Kind::String {
            *slot = Some(p.str()?.into_owned());
        } else {
            p.skip()?;
        }
        Ok(())
    })
    .map_err(|_| "it did not return an object")?;
    let ok = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|s| !s.is_empty() && crate::providers::url::valid_header_value(s))
    };
    if !ok(&id) || !ok(&secret) {
        return Err("accessKeyId and secretAccessKey must be non-empty strings");
    }
    if token
        .as_deref()
        .is_some_and(|t| !t.is_empty() && !crate::providers::url::valid_header_value(t))
    {
        return Err("sessionToken cannot be sent as a header");
    }
    Ok(Credentials {
        access_key_id: id.unwrap_or_default(),
        secret_access_key: secret.unwrap_or_default(),
        session_token: token.filter(|t| !t.is_empty()),
    })
}

impl Target for BedrockTarget {
    fn wire(&self) -> Wire {
        Wire::Converse
    }
    fn stream_decoder(&self, max_event_bytes: usize) -> Box<dyn crate::wire::FrameDecoder> {
        Box::new(crate::wire::eventstream::EventStreamDecoder::with_max_event_size(max_event_bytes))
    }
    fn origin(&self) -> &str {
        &self.base.origin
    }
    fn weight(&self) -> f64 {
        self.weight
    }
    fn profile(&self) -> &Profile {
        &self.profile
    }
    fn body_model(&self) -> Option<&str> {
        None
    }
    fn prepare<'a>(
        &'a self,
        op: OpKind,
        body: String,
        ctx: &'a RequestContext,
    ) -> BoxFuture<'a, Result<Prepared>> {
        boxed(async move {
            // Media operations are Azure's and OpenAI's (the media module refuses them first).
            let OpKind::Chat { stream } = op else {
                return Err(LlmError::unsupported(
                    "Bedrock endpoints serve chat only",
                    "Use an Azure or OpenAI endpoint for images and speech.",
                ));
            };
            let path = self.path(op);
            let mut headers = self.headers.clone();
            if stream {
                // The stream is binary event-stream frames, not SSE.
                if let Some(h) = headers.iter_mut().find(|(n, _)| n == "accept") {
                    h.1 = "application/vnd.amazon.eventstream, application/json".into();
                }
            }
            let mut token = None;
            if let Some(creds) = self.credentials().await? {
                let now = self.clock.epoch_ms().ok_or_else(|| {
                    LlmError::new(
                        ErrorCode::Internal,
                        "SigV4 needs the wall clock, which this runtime does not give",
                    )
                })?;
                let amz_date = sigv4::amz_date(now + self.clock_offset_ms());
                let signed = self.signer.sign(
                    &creds,
                    SignInput {
                        method: "POST",
                        path: &path,
                        query: "",
                        headers: vec![
                            ("host".into(), self.host.clone()),
                            ("content-type".into(), "application/json".into()),
                        ],
                        payload_hash: sigv4::payload_hash(body.as_bytes()),
                        amz_date: &amz_date,
                        mode: sigv4::NON_S3,
                        token_unsigned: false,
                    },
                );
                headers.extend(signed.headers);
                // Scrubbed from errors like a bearer token (rotating session tokens are not in
                // `secrets()`).
                token = creds.session_token;
            }
            // No request-id header: Bedrock documents none, and an unknown header would
            // need CORS approval in browsers. ctx.requestId stays on the caller's side.
            let _ = ctx;
            Ok(Prepared {
                request: HttpRequest {
                    method: "POST",
                    url: format!("{}{}", self.base.origin, path),
                    headers,
                    body: Some(body),
                    #[cfg(feature = "media")]
                    binary: None,
                },
                token,
            })
        })
    }
    fn error(
        &self,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
        now_epoch_ms: Option<f64>,
    ) -> LlmError {
        let e = converse::error_from_converse(status, headers, body, now_epoch_ms);
        if matches!(status, 400 | 403) && converse::is_clock_skew(&e.message) {
            if let (Some(server), Some(now)) =
                (converse::server_time_ms(&e.message, headers), now_epoch_ms)
            {
                *self.clock_offset_ms.lock() = server - now;
            }
        }
        e
    }
    #[cfg(feature = "bedrock")]
    fn retry_at_once(&self, e: &LlmError) -> bool {
        // `error` has just learned the server's clock: one more try, signed with it.
        matches!(e.status, Some(400 | 403)) && converse::is_clock_skew(&e.message)
    }
    fn secrets(&self) -> Vec<&str> {
        match &self.auth {
            BedrockAuth::Static(c) => {
                let mut v = vec![c.secret_access_key.as_str()];
                v.extend(c.session_token.as_deref());
                v
            }
            BedrockAuth::ApiKey(k) => vec![k.expose()],
            BedrockAuth::Provider(_) => Vec::new(),
        }
    }
}
