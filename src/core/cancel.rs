//! A cancellation token the core understands, so cancellation never needs a JsValue.
//! The bindings cancel it from an AbortSignal; transports register a callback that aborts
//! their in-flight request.

use super::error::ErrorCode;
use super::maybe_send::{Lock, MaybeSend};
use crate::prelude::*;
use alloc::sync::Arc;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};

type Callback = super::maybe_send::BoxFnOnce;

#[derive(Default)]
struct Inner {
    reason: Option<ErrorCode>,
    /// One slot per live `Cancelled` future, removed when it drops: a long stream polls a
    /// fresh future (with a fresh task's waker) per read, and must not leave one behind each.
    wakers: Vec<(u64, Waker)>,
    next_slot: u64,
    callbacks: Vec<Callback>,
}

#[derive(Clone, Default)]
pub struct CancelToken(Arc<Lock<Inner>>);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels once; later calls keep the first reason.
    pub fn cancel(&self, reason: ErrorCode) {
        let (wakers, callbacks) = {
            let mut g = self.lock();
            if g.reason.is_some() {
                return;
            }
            g.reason = Some(reason);
            (
                core::mem::take(&mut g.wakers),
                core::mem::take(&mut g.callbacks),
            )
        };
        wakers.into_iter().for_each(|(_, w)| w.wake());
        callbacks.into_iter().for_each(|cb| cb());
    }

    pub fn reason(&self) -> Option<ErrorCode> {
        self.lock().reason
    }

    pub fn is_cancelled(&self) -> bool {
        self.reason().is_some()
    }

    /// Runs `cb` on cancellation (at once if already cancelled).
    pub fn on_cancel(&self, cb: impl FnOnce() + MaybeSend + 'static) {
        let mut g = self.lock();
        if g.reason.is_some() {
            drop(g);
            cb();
        } else {
            g.callbacks.push(Box::new(cb));
        }
    }

    /// Resolves with the reason once cancelled.
    pub fn cancelled(&self) -> Cancelled {
        Cancelled {
            token: self.clone(),
            slot: None,
        }
    }

    /// How many wakers wait on this token (tests: nothing is left behind by dropped reads).
    pub fn waiting(&self) -> usize {
        self.lock().wakers.len()
    }

    fn lock(&self) -> impl core::ops::DerefMut<Target = Inner> + '_ {
        self.0.lock()
    }
}

pub struct Cancelled {
    token: CancelToken,
    slot: Option<u64>,
}

impl Future for Cancelled {
    type Output = ErrorCode;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ErrorCode> {
        let this = &mut *self;
        let mut g = this.token.lock();
        if let Some(r) = g.reason {
            return Poll::Ready(r);
        }
        let found = this
            .slot
            .and_then(|id| g.wakers.iter_mut().find(|(s, _)| *s == id));
        match found {
            Some((_, w)) => {
                if !w.will_wake(cx.waker()) {
                    *w = cx.waker().clone();
                }
            }
            None => {
                let id = g.next_slot;
                g.next_slot += 1;
                g.wakers.push((id, cx.waker().clone()));
                drop(g);
                this.slot = Some(id);
            }
        }
        Poll::Pending
    }
}

impl Drop for Cancelled {
    fn drop(&mut self) {
        if let Some(id) = self.slot {
            self.token.lock().wakers.retain(|(s, _)| *s != id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::task::Waker;

    #[test]
    fn dropped_waits_leave_no_waker_behind() {
        let t = CancelToken::new();
        for _ in 0..1000 {
            let mut f = Box::pin(t.cancelled());
            let w = Waker::noop();
            assert!(f.as_mut().poll(&mut Context::from_waker(w)).is_pending());
            assert!(f.as_mut().poll(&mut Context::from_waker(w)).is_pending());
        }
        assert_eq!(t.waiting(), 0);
        let mut live = Box::pin(t.cancelled());
        let _ = live.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        assert_eq!(t.waiting(), 1);
        t.cancel(ErrorCode::Aborted);
        assert_eq!(t.waiting(), 0);
        assert_eq!(
            live.as_mut().poll(&mut Context::from_waker(Waker::noop())),
            Poll::Ready(ErrorCode::Aborted)
        );
    }
}
