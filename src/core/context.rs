//! Per-request context: identity, cancellation and deadline.

use super::cancel::CancelToken;
use crate::prelude::*;

#[derive(Clone, Default)]
pub struct RequestContext {
    pub request_id: Option<String>,
    /// The whole call, every attempt and failover included.
    pub timeout_ms: Option<f64>,
    /// The caller's own tags, in the order given (a later duplicate key replaces the earlier).
    pub metadata: Vec<(String, String)>,
    /// Cancelled by the caller (ctx.signal in JS).
    pub cancel: CancelToken,
}
