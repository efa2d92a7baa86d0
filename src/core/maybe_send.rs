//! `Send` where threads exist, nothing on wasm.
//!
//! On wasm32 everything runs on one thread and JS handles (fetch promises, readers) are not
//! `Send`, so the boxed futures and trait objects drop the bound there. Natively the same
//! code keeps `Send`, so the core still proves thread-safe in `cargo test`.

use crate::prelude::*;
use core::future::Future;
use core::pin::Pin;

#[cfg(target_arch = "wasm32")]
mod imp {
    use alloc::boxed::Box;
    pub trait MaybeSend {}
    impl<T: ?Sized> MaybeSend for T {}
    pub trait MaybeSync {}
    impl<T: ?Sized> MaybeSync for T {}
    pub type BoxFuture<'a, T> = core::pin::Pin<Box<dyn core::future::Future<Output = T> + 'a>>;
    pub type BoxStream<'a, T> = core::pin::Pin<Box<dyn futures::Stream<Item = T> + 'a>>;
    pub type BoxFnOnce = Box<dyn FnOnce()>;
    pub type BoxStrFn<R> = Box<dyn Fn(&str) -> R>;
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    pub trait MaybeSend: Send {}
    impl<T: ?Sized + Send> MaybeSend for T {}
    pub trait MaybeSync: Sync {}
    impl<T: ?Sized + Sync> MaybeSync for T {}
    pub type BoxFuture<'a, T> =
        core::pin::Pin<Box<dyn core::future::Future<Output = T> + Send + 'a>>;
    pub type BoxStream<'a, T> = core::pin::Pin<Box<dyn futures::Stream<Item = T> + Send + 'a>>;
    pub type BoxFnOnce = Box<dyn FnOnce() + Send>;
    pub type BoxStrFn<R> = Box<dyn Fn(&str) -> R + Send>;
}

pub use imp::*;

pub fn boxed<'a, T>(f: impl Future<Output = T> + MaybeSend + 'a) -> BoxFuture<'a, T> {
    let b: Pin<Box<_>> = Box::pin(f);
    b
}

pub fn boxed_stream<'a, T>(s: impl futures::Stream<Item = T> + MaybeSend + 'a) -> BoxStream<'a, T> {
    let b: Pin<Box<_>> = Box::pin(s);
    b
}

/// Interior mutability for state shared by handles: a Mutex where threads exist, a RefCell
/// on wasm (one thread, and no std there: see the `wasm-package` feature). Holders never
/// lock twice or across an await.
pub struct Lock<T>(lock_imp::Inner<T>);

impl<T: Default> Default for Lock<T> {
    fn default() -> Self {
        Lock::new(T::default())
    }
}

impl<T> Lock<T> {
    pub fn new(v: T) -> Self {
        Lock(lock_imp::Inner::new(v))
    }

    pub fn lock(&self) -> impl core::ops::DerefMut<Target = T> + '_ {
        lock_imp::lock(&self.0)
    }
}

#[cfg(target_arch = "wasm32")]
mod lock_imp {
    pub type Inner<T> = core::cell::RefCell<T>;
    pub fn lock<T>(c: &Inner<T>) -> core::cell::RefMut<'_, T> {
        c.borrow_mut()
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod lock_imp {
    pub type Inner<T> = std::sync::Mutex<T>;
    pub fn lock<T>(m: &Inner<T>) -> std::sync::MutexGuard<'_, T> {
        // A panic while holding the lock leaves the data as it was; keep going.
        m.lock().unwrap_or_else(|p| p.into_inner())
    }
}
