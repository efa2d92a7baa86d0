//! Racing an operation against the caller's cancel, the call's deadline and the attempt's
//! own timeout. Whichever fires first wins; the loser's request is aborted by its token.

use crate::core::cancel::{CancelToken, Cancelled};
use crate::core::error::ErrorCode;
use crate::core::maybe_send::BoxFuture;
use crate::transport::Clock;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

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
pub fn race<F: Future>(
    fut: F,
    clock: &dyn Clock,
    cancel: &CancelToken,
    deadline_at: Option<f64>,
    timeout_ms: Option<f64>,
) -> Race<F> {
    let (timer, early) = arm(clock, cancel, deadline_at, timeout_ms);
    Race {
        fut,
        cancelled: cancel.cancelled(),
        timer,
        early,
    }
}

/// The non-generic half: an interrupt that already fired, or the one timer to race against
/// (whichever of the deadline and the attempt timeout is nearer).
fn arm(
    clock: &dyn Clock,
    cancel: &CancelToken,
    deadline_at: Option<f64>,
    timeout_ms: Option<f64>,
) -> (
    Option<(BoxFuture<'static, ()>, Interrupt)>,
    Option<Interrupt>,
) {
    if let Some(r) = cancel.reason() {
        return (None, Some(Interrupt::Cancelled(r)));
    }
    let until_deadline = deadline_at.map(|d| (d - clock.now_ms()).max(0.0));
    let timer = match (until_deadline, timeout_ms) {
        (Some(d), Some(t)) if t < d => Some((t, Interrupt::AttemptTimeout)),
        (Some(d), _) => Some((d, Interrupt::Deadline)),
        (None, Some(t)) => Some((t, Interrupt::AttemptTimeout)),
        (None, None) => None,
    };
    (timer.map(|(ms, why)| (clock.sleep(ms), why)), None)
}

/// The race itself, written by hand rather than as nested `select`s: one small poll per
/// operation type instead of a combinator tree in every caller's state machine.
/// Polled in order: the operation, the caller's cancel, the timer.
pub struct Race<F> {
    fut: F,
    cancelled: Cancelled,
    timer: Option<(BoxFuture<'static, ()>, Interrupt)>,
    early: Option<Interrupt>,
}

impl<F: Future> Future for Race<F> {
    type Output = Result<F::Output, Interrupt>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `fut` is never moved out of the pinned Race; the other fields are Unpin.
        let this = unsafe { self.get_unchecked_mut() };
        if let Some(why) = this.early.take() {
            return Poll::Ready(Err(why));
        }
        if let Poll::Ready(v) = unsafe { Pin::new_unchecked(&mut this.fut) }.poll(cx) {
            return Poll::Ready(Ok(v));
        }
        poll_interrupts(&mut this.cancelled, &mut this.timer, cx).map(Err)
    }
}

fn poll_interrupts(
    cancelled: &mut Cancelled,
    timer: &mut Option<(BoxFuture<'static, ()>, Interrupt)>,
    cx: &mut Context<'_>,
) -> Poll<Interrupt> {
    if let Poll::Ready(r) = Pin::new(cancelled).poll(cx) {
        return Poll::Ready(Interrupt::Cancelled(r));
    }
    if let Some((sleep, why)) = timer {
        if sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(*why);
        }
    }
    Poll::Pending
}
