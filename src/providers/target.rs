//! What the executor needs from a provider, per configured endpoint: where it is, how to
//! address and authorize a request for an operation, and how to read its error answers.
//! A new provider implements `Target`; the executor does not change.

use crate::core::context::RequestContext;
use crate::core::error::{ErrorCode, LlmError, Result};
use crate::core::maybe_send::{BoxFuture, MaybeSend, MaybeSync};
use crate::models::Profile;
use crate::prelude::*;
use crate::transport::HttpRequest;
#[cfg(feature = "media")]
use alloc::borrow::Cow;
use alloc::sync::Arc;

/// The operations the executor can run. Each has its own body and response parser (in the
/// operation's module) and its own path per provider (in the provider's target).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    Chat {
        stream: bool,
    },
    /// images/generations (`stream`: partial images as SSE).
    Image {
        stream: bool,
    },
    /// images/edits: multipart form data (`stream`: partial images as SSE).
    #[cfg(feature = "media")]
    ImageEdit {
        stream: bool,
    },
    /// audio/speech (`stream`: read as it arrives, raw or SSE).
    Speech {
        stream: bool,
    },
    /// One request of a video job. For every step but `Create` the body argument of
    /// `Target::prepare` is the job's (or, for Azure's Sora jobs, the generation's) id.
    #[cfg(feature = "media")]
    Video {
        api: VideoApi,
        step: VideoStep,
    },
}

/// The two video APIs: Azure's Sora jobs (`/video/generations/jobs`, Azure v1 only) and
/// the `/videos` API (Sora 2 on OpenAI and on Azure's v1 path).
#[cfg(feature = "media")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VideoApi {
    Jobs,
    Videos,
}

#[cfg(feature = "media")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VideoStep {
    Create,
    Status,
    Content,
    Thumbnail,
    /// Deletes the job: how both APIs cancel one that is still running.
    Delete,
}

impl OpKind {
    /// The path after the API root (`/chat/completions`, `/images/generations`, ...) for
    /// the POST operations; video steps use `request`.
    pub fn path(self) -> &'static str {
        match self {
            OpKind::Chat { .. } => "/chat/completions",
            OpKind::Image { .. } => "/images/generations",
            OpKind::Speech { .. } => "/audio/speech",
            #[cfg(feature = "media")]
            OpKind::ImageEdit { .. } => "/images/edits",
            #[cfg(feature = "media")]
            OpKind::Video {
                api: VideoApi::Jobs,
                ..
            } => "/video/generations/jobs",
            #[cfg(feature = "media")]
            OpKind::Video { .. } => "/videos",
        }
    }

    /// Method, path after the API root (with its own query, if any) and body for `body`
    /// as `prepare` got it.
    pub fn request(self, body: String) -> (&'static str, RequestPath, Option<String>) {
        #[cfg(feature = "media")]
        if let OpKind::Video { api, step } = self {
            return video_request(api, step, body);
        }
        ("POST", self.path().into(), Some(body))
    }
}

/// A request's path: always a constant in builds without media (no allocation, no drop code
/// in the default entry), a job's own path with it.
#[cfg(feature = "media")]
pub type RequestPath = Cow<'static, str>;
#[cfg(not(feature = "media"))]
pub type RequestPath = &'static str;

#[cfg(feature = "media")]
fn video_request(
    api: VideoApi,
    step: VideoStep,
    body: String,
) -> (&'static str, RequestPath, Option<String>) {
    let (method, path, body) = {
        let id = crate::providers::url::encode_segment(&body);
        let root = OpKind::Video { api, step }.path();
        match (api, step) {
            (_, VideoStep::Create) => ("POST", root.to_string(), Some(body)),
            (_, VideoStep::Status) => ("GET", format!("{root}/{id}"), None),
            (_, VideoStep::Delete) => ("DELETE", format!("{root}/{id}"), None),
            (VideoApi::Jobs, VideoStep::Content) => (
                "GET",
                format!("/video/generations/{id}/content/video"),
                None,
            ),
            (VideoApi::Jobs, VideoStep::Thumbnail) => (
                "GET",
                format!("/video/generations/{id}/content/thumbnail"),
                None,
            ),
            (VideoApi::Videos, VideoStep::Content) => {
                ("GET", format!("/videos/{id}/content"), None)
            }
            (VideoApi::Videos, VideoStep::Thumbnail) => (
                "GET",
                format!("/videos/{id}/content?variant=thumbnail"),
                None,
            ),
        }
    };
    (method, Cow::Owned(path), body)
}

/// Tokens from the host (getToken in JS), asked for on every request so they may refresh.
pub trait TokenProvider: MaybeSend + MaybeSync {
    fn token(&self) -> BoxFuture<'static, core::result::Result<String, String>>;
}

/// A credential that never prints itself.
#[derive(Clone, PartialEq)]
pub struct Secret(pub String);

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

/// How an endpoint proves who is calling.
#[derive(Clone)]
pub enum Auth {
    None,
    /// Sent in the provider's key header (Azure `api-key`, OpenAI `Authorization: Bearer`).
    Key(Secret),
    /// A token provider called per request; sent as `Authorization: Bearer`.
    Token(Arc<dyn TokenProvider>),
}

impl core::fmt::Debug for Auth {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Auth::None => "Auth::None",
            Auth::Key(_) => "Auth::Key(***)",
            Auth::Token(_) => "Auth::Token",
        })
    }
}

/// A request ready to send, and the bearer token it carries (to scrub from errors).
pub struct Prepared {
    pub request: HttpRequest,
    pub token: Option<String>,
}

/// The wire format a target's operations speak: what bodies look like and how answers and
/// stream events read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    /// OpenAI's chat completions (Azure OpenAI, OpenAI, every compatible server).
    ChatCompletions,
    /// AWS Bedrock's Converse and ConverseStream (parsed only with the `bedrock` feature).
    Converse,
}

pub trait Target: MaybeSend + MaybeSync {
    /// The wire format of this endpoint's operations.
    fn wire(&self) -> Wire {
        Wire::ChatCompletions
    }
    /// The framing of this endpoint's streams; SSE unless the provider says otherwise.
    fn stream_decoder(&self, max_event_bytes: usize) -> Box<dyn crate::wire::FrameDecoder> {
        Box::new(crate::wire::sse::SseDecoder::with_max_event_size(
            max_event_bytes,
        ))
    }
    /// scheme://host[:port]: the only form an endpoint takes outside its target.
    fn origin(&self) -> &str;
    /// Relative share for weighted load balancing.
    fn weight(&self) -> f64;
    /// The model this endpoint serves: metadata and parameter rules.
    fn profile(&self) -> &Profile;
    /// The model name a request body carries, when the URL does not name it.
    fn body_model(&self) -> Option<&str>;
    /// Azure's deployment name (video bodies carry it as `model` on every path style).
    #[cfg(feature = "media")]
    fn deployment(&self) -> Option<&str> {
        None
    }
    /// URL, headers and auth for `op` with `body`. Async: a token may have to be fetched.
    fn prepare<'a>(
        &'a self,
        op: OpKind,
        body: String,
        ctx: &'a RequestContext,
    ) -> BoxFuture<'a, Result<Prepared>>;
    /// A non-2xx answer as the contract's error, with this provider's hints.
    fn error(
        &self,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
        now_epoch_ms: Option<f64>,
    ) -> LlmError;
    /// Every configured credential of this endpoint, for scrubbing.
    fn secrets(&self) -> Vec<&str>;
    /// Whether this failed answer should be tried once more on the same endpoint at once,
    /// because `error` corrected something (Bedrock: its clock offset after a "signature
    /// expired" answer).
    #[cfg(feature = "bedrock")]
    fn retry_at_once(&self, _e: &LlmError) -> bool {
        false
    }
}

/// Headers every request carries, then the endpoint's own `headers`, then auth: in that
/// order, so a configured header cannot silently replace the credential.
pub fn base_headers(custom: &[(String, String)]) -> Vec<(String, String)> {
    let mut h = vec![
        ("content-type".to_string(), "application/json".to_string()),
        (
            "accept".to_string(),
            "application/json, text/event-stream".to_string(),
        ),
    ];
    h.extend(custom.iter().cloned());
    h
}

/// Asks the token provider of `auth`, if any, for this request's bearer token.
pub async fn bearer(auth: &Auth, hint: &str) -> Result<Option<String>> {
    match auth {
        Auth::Token(p) => match p.token().await {
            Ok(t) if crate::providers::url::valid_header_value(&t) => Ok(Some(t)),
            Ok(_) => Err(LlmError::new(
                ErrorCode::Authentication,
                "getToken returned a value that cannot be sent as a header",
            )
            .with_hint(hint.to_string())),
            Err(why) => Err(LlmError::new(
                ErrorCode::Authentication,
                format!("getToken failed: {why}"),
            )
            .with_hint(hint.to_string())),
        },
        _ => Ok(None),
    }
}

/// A POST to `url` with an endpoint's prebuilt headers (content type, its own headers, its
/// key), a bearer token when it uses a token provider, and ctx.requestId under `id_header`:
/// how the Azure and OpenAI targets send every operation.
pub async fn bearer_post(
    auth: &Auth,
    token_hint: &str,
    prebuilt: &[(String, String)],
    id_header: &str,
    ctx: &RequestContext,
    url: String,
    method: &'static str,
    body: Option<String>,
) -> Result<Prepared> {
    let token = bearer(auth, token_hint).await?;
    let mut headers = prebuilt.to_vec();
    if let Some(t) = &token {
        headers.push(("authorization".into(), format!("Bearer {t}")));
    }
    request_id_header(ctx, id_header, &mut headers);
    Ok(Prepared {
        request: HttpRequest {
            method,
            url,
            headers,
            body,
            #[cfg(feature = "media")]
            binary: None,
        },
        token,
    })
}

/// An endpoint's configured key, for scrubbing (tokens are scrubbed per request).
pub fn key_secret(auth: &Auth) -> Vec<&str> {
    match auth {
        Auth::Key(k) => vec![k.expose()],
        _ => Vec::new(),
    }
}

/// A non-2xx answer in the chat-completions error shapes, with media refusals' own reasons
/// where the media operations are built in.
pub fn openai_style_error(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    now_epoch_ms: Option<f64>,
    hints: &crate::providers::chat_wire::Hints,
) -> LlmError {
    let e = crate::providers::chat_wire::error_from_response(
        status,
        headers,
        body,
        now_epoch_ms,
        hints,
    );
    #[cfg(feature = "media")]
    let e = crate::media::refine_error(e, body);
    e
}

/// The `x-ms-client-request-id` / `x-client-request-id` header for ctx.requestId.
pub fn request_id_header(ctx: &RequestContext, name: &str, h: &mut Vec<(String, String)>) {
    if let Some(id) = &ctx.request_id {
        h.push((name.to_string(), id.clone()));
    }
}
