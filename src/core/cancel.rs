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
    wakers: Vec<Waker>,
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
        wakers.into_iter().for_each(Waker::wake);
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
        Cancelled(self.clone())
    }

    fn lock(&self) -> impl core::ops::DerefMut<Target = Inner> + '_ {
        self.0.lock()
    }
}

pub struct Cancelled(CancelToken);

impl Future for Cancelled {
    type Output = ErrorCode;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ErrorCode> {
        let mut g = self.0.lock();
        match g.reason {
            Some(r) => Poll::Ready(r),
            None => {
                if !g.wakers.iter().any(|w| w.will_wake(cx.waker())) {
                    g.wakers.push(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }
}
