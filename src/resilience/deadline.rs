//! Racing an operation against the caller's cancel, the call's deadline and the attempt's
//! own timeout. Whichever fires first wins; the loser's request is aborted by its token.

use crate::core::cancel::CancelToken;
use crate::core::error::ErrorCode;
use crate::transport::Clock;
use futures::future::{select, Either};
use std::future::Future;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupt {
    /// The caller's signal (or another cancel reason).
    Cancelled(ErrorCode),
    /// ctx.timeoutMs: the whole call is out of time.
    Deadline,
    /// timeoutMs before headers or idleTimeoutMs inside a stream.
    AttemptTimeout,
}

/// Runs `fut` until it finishes or an interrupt fires. `deadline_at` is absolute (clock ms).
pub async fn race<T>(
    fut: impl Future<Output = T>,
    clock: &dyn Clock,
    cancel: &CancelToken,
    deadline_at: Option<f64>,
    timeout_ms: Option<f64>,
) -> Result<T, Interrupt> {
    if let Some(r) = cancel.reason() {
        return Err(Interrupt::Cancelled(r));
    }
    let now = clock.now_ms();
    let until_deadline = deadline_at.map(|d| (d - now).max(0.0));
    // One timer: whichever of the two limits is nearer.
    let (wait, why) = match (until_deadline, timeout_ms) {
        (Some(d), Some(t)) if t < d => (Some(t), Interrupt::AttemptTimeout),
        (Some(d), _) => (Some(d), Interrupt::Deadline),
        (None, Some(t)) => (Some(t), Interrupt::AttemptTimeout),
        (None, None) => (None, Interrupt::Deadline),
    };
    let fut = std::pin::pin!(fut);
    let cancelled = cancel.cancelled();
    let guard = select(fut, cancelled);
    match wait {
        None => match guard.await {
            Either::Left((v, _)) => Ok(v),
            Either::Right((r, _)) => Err(Interrupt::Cancelled(r)),
        },
        Some(ms) => match select(guard, clock.sleep(ms)).await {
            Either::Left((Either::Left((v, _)), _)) => Ok(v),
            Either::Left((Either::Right((r, _)), _)) => Err(Interrupt::Cancelled(r)),
            Either::Right(_) => Err(why),
        },
    }
}
