//! `Send` where threads exist, nothing on wasm.
//!
//! On wasm32 everything runs on one thread and JS handles (fetch promises, readers) are not
//! `Send`, so the boxed futures and trait objects drop the bound there. Natively the same
//! code keeps `Send`, so the core still proves thread-safe in `cargo test`.

use std::future::Future;
use std::pin::Pin;

#[cfg(target_arch = "wasm32")]
mod imp {
    pub trait MaybeSend {}
    impl<T: ?Sized> MaybeSend for T {}
    pub trait MaybeSync {}
    impl<T: ?Sized> MaybeSync for T {}
    pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + 'a>>;
    pub type BoxStream<'a, T> = std::pin::Pin<Box<dyn futures::Stream<Item = T> + 'a>>;
    pub type BoxFnOnce = Box<dyn FnOnce()>;
    pub type BoxStrFn<R> = Box<dyn Fn(&str) -> R>;
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    pub trait MaybeSend: Send {}
    impl<T: ?Sized + Send> MaybeSend for T {}
    pub trait MaybeSync: Sync {}
    impl<T: ?Sized + Sync> MaybeSync for T {}
    pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
    pub type BoxStream<'a, T> = std::pin::Pin<Box<dyn futures::Stream<Item = T> + Send + 'a>>;
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
