//! OpenAI, and every server that speaks its API (vLLM, llama.cpp, Ollama, LiteLLM), as a
//! target: `{baseURL}/chat/completions`, the model named in the body, Bearer auth (optional
//! for local servers), organization and project headers.

use super::chat_wire::Hints;
use super::target::{
    base_headers, bearer_post, key_secret, openai_style_error, Auth, OpKind, Prepared, Target,
};
use super::url::BaseUrl;
use crate::config::OpenAiSpec;
use crate::core::context::RequestContext;
use crate::core::error::{LlmError, Result};
use crate::core::maybe_send::{boxed, BoxFuture};
use crate::models::Profile;
use crate::prelude::*;

const HINTS: Hints = Hints {
    who: "The server",
    authentication: "Check apiKey (or getToken) for this baseURL; OpenAI keys start with sk-, local servers may need none.",
    not_found: "Check baseURL (it ends with the version segment, e.g. /v1) and the model name the server knows (modelName).",
};

pub struct OpenAiTarget {
    base: BaseUrl,
    model_name: String,
    auth: Auth,
    headers: Vec<(String, String)>,
    weight: f64,
    profile: Profile,
}

impl OpenAiTarget {
    pub fn new(
        spec: OpenAiSpec,
        auth: Auth,
        custom_headers: &[(String, String)],
        weight: f64,
        profile: Profile,
    ) -> Self {
        let mut headers = base_headers(custom_headers);
        if let Some(org) = &spec.organization {
            headers.push(("openai-organization".into(), org.clone()));
        }
        if let Some(project) = &spec.project {
            headers.push(("openai-project".into(), project.clone()));
        }
        if let Auth::Key(k) = &auth {
            headers.push(("authorization".into(), format!("Bearer {}", k.expose())));
        }
        OpenAiTarget {
            model_name: spec
                .model_name
                .unwrap_or_else(|| profile.meta.model_name.clone()),
            base: spec.base,
            auth,
            headers,
            weight,
            profile,
        }
    }
}

impl Target for OpenAiTarget {
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
        Some(&self.model_name)
    }
    fn prepare<'a>(
        &'a self,
        op: OpKind,
        body: String,
        ctx: &'a RequestContext,
    ) -> BoxFuture<'a, Result<Prepared>> {
        let (method, path, body) = op.request(body);
        boxed(bearer_post(
            &self.auth,
            "getToken must return (or resolve to) the bearer token this server expects.",
            &self.headers,
            "x-client-request-id",
            ctx,
            self.base.join(&path),
            method,
            body,
        ))
    }
    fn error(
        &self,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
        now_epoch_ms: Option<f64>,
    ) -> LlmError {
        openai_style_error(status, headers, body, now_epoch_ms, &HINTS)
    }
    fn secrets(&self) -> Vec<&str> {
        key_secret(&self.auth)
    }
}
