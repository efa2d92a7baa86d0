//! Azure OpenAI as a target: the deployments path with its api-version, or the v1 path
//! with the deployment name in the body; `api-key` or an Entra ID bearer token; a gateway's
//! path prefix and headers kept as configured.

use super::chat_wire::Hints;
use super::target::{
    base_headers, bearer_post, key_secret, openai_style_error, Auth, OpKind, Prepared, Target,
};
use super::url::{encode_segment, BaseUrl};
use crate::config::{AzureSpec, AzureStyle};
use crate::core::context::RequestContext;
use crate::core::error::{LlmError, Result};
use crate::core::maybe_send::{boxed, BoxFuture};
use crate::models::Profile;
use crate::prelude::*;

const TOKEN_HINT: &str = "getToken must return (or resolve to) an Entra ID access token for https://cognitiveservices.azure.com.";

pub const HINTS: Hints = Hints {
    who: "Azure",
    authentication: "Check apiKey (or getToken) for this endpoint; Azure keys are per resource.",
    not_found: "Check deploymentName and apiVersion (or apiStyle): the deployment must exist on this resource and the version must be one Azure offers; behind a gateway, check the endpoint's path prefix.",
};

pub struct AzureTarget {
    base: BaseUrl,
    /// The deployment path segment, already encoded.
    deployment: String,
    deployment_name: String,
    api_version: String,
    style: AzureStyle,
    auth: Auth,
    /// Built once: content type, the configured headers, api-key (design doc §5).
    headers: Vec<(String, String)>,
    weight: f64,
    profile: Profile,
}

impl AzureTarget {
    pub fn new(
        spec: AzureSpec,
        auth: Auth,
        custom_headers: &[(String, String)],
        weight: f64,
        profile: Profile,
    ) -> Self {
        let mut headers = base_headers(custom_headers);
        if let Auth::Key(k) = &auth {
            headers.push(("api-key".to_string(), k.expose().to_string()));
        }
        AzureTarget {
            deployment: encode_segment(&spec.deployment),
            deployment_name: spec.deployment,
            api_version: spec
                .api_version
                .unwrap_or_else(|| profile.azure_api_version().to_string()),
            base: spec.base,
            style: spec.style,
            auth,
            headers,
            weight,
            profile,
        }
    }

    /// The URL for `path` (from `OpKind::request`) of operation `op`.
    fn url(&self, op: OpKind, path: &str) -> String {
        match self.style {
            // Video is on the v1 path only (notes 03), whatever the endpoint's style.
            #[cfg(feature = "media")]
            _ if matches!(op, OpKind::Video { .. }) => {
                let sep = if path.contains('?') { '&' } else { '?' };
                self.base
                    .join(&format!("/openai/v1{path}{sep}api-version=preview"))
            }
            AzureStyle::Deployments => self.base.join(&format!(
                "/openai/deployments/{}{path}?api-version={}",
                self.deployment,
                encode_segment(&self.api_version)
            )),
            // Media on the v1 path is still a preview there (notes 01, 02).
            AzureStyle::V1 if matches!(op, OpKind::Chat { .. }) => {
                self.base.join("/openai/v1/chat/completions")
            }
            AzureStyle::V1 => self
                .base
                .join(&format!("/openai/v1{path}?api-version=preview")),
        }
    }
}

impl Target for AzureTarget {
    fn origin(&self) -> &str {
        &self.base.origin
    }
    fn weight(&self) -> f64 {
        self.weight
    }
    fn profile(&self) -> &Profile {
        &self.profile
    }
    #[cfg(feature = "media")]
    fn deployment(&self) -> Option<&str> {
        Some(&self.deployment_name)
    }
    fn body_model(&self) -> Option<&str> {
        match self.style {
            AzureStyle::Deployments => None,
            AzureStyle::V1 => Some(&self.deployment_name),
        }
    }
    fn prepare<'a>(
        &'a self,
        op: OpKind,
        body: String,
        ctx: &'a RequestContext,
    ) -> BoxFuture<'a, Result<Prepared>> {
        let (method, path, body) = op.request(body);
        let url = self.url(op, &path);
        boxed(bearer_post(
            &self.auth,
            TOKEN_HINT,
            &self.headers,
            "x-ms-client-request-id",
            ctx,
            url,
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
