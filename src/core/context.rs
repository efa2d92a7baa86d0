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
    /// No hedged copies of this request: ctx.idempotent === false (the call has side effects
    /// that must not happen twice) or ctx.hedge === false.
    pub no_hedge: bool,
    /// ctx.hedge: { delayMs, maxHedges }: this call's hedging, over the model's.
    #[cfg(feature = "platform")]
    pub hedge_delay_ms: Option<f64>,
    #[cfg(feature = "platform")]
    pub max_hedges: Option<u32>,
}
