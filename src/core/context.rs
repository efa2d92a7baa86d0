//! Per-request context: identity, cancellation and deadline.

use super::cancel::CancelToken;
use std::collections::BTreeMap;

#[derive(Clone, Default)]
pub struct RequestContext {
    pub request_id: Option<String>,
    /// The whole call, every attempt and failover included.
    pub timeout_ms: Option<f64>,
    pub metadata: BTreeMap<String, String>,
    /// Cancelled by the caller (ctx.signal in JS).
    pub cancel: CancelToken,
}
