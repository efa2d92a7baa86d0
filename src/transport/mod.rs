//! The HTTP client behind a small trait. On wasm the bindings implement it with the
//! runtime's global `fetch`; natively, tests implement it with whatever they need.

use crate::core::cancel::CancelToken;
use crate::core::maybe_send::{BoxFuture, MaybeSend, MaybeSync};
use crate::prelude::*;

#[derive(Clone, Debug)]
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// A binary body (multipart form data) sent instead of `body`; its content type is in
    /// `headers`. Only media edits set it.
    #[cfg(feature = "media")]
    pub binary: Option<Vec<u8>>,
}

/// Why a transport could not deliver: a failure of the connection itself, not an HTTP status.
#[derive(Clone, Debug, PartialEq)]
pub enum TransportError {
    /// DNS, refused, reset, TLS, CORS: nothing usable arrived.
    Connection(String),
    /// The request was cancelled through its token.
    Cancelled,
}

pub struct HttpResponse {
    pub status: u16,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Box<dyn BodyReader>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A response body read one network read at a time, so the stream path crosses the JS
/// boundary once per read rather than once per event.
pub trait BodyReader: MaybeSend {
    /// The next bytes, or `None` at the end.
    fn read(&mut self) -> BoxFuture<'_, Result<Option<Vec<u8>>, TransportError>>;
    /// Stops the download (reader.cancel() and abort on fetch).
    fn cancel(&mut self);
}

pub trait Transport: MaybeSend + MaybeSync {
    /// Sends a request; cancelling `cancel` aborts it, in flight or while the body downloads.
    fn send(
        &self,
        req: HttpRequest,
        cancel: CancelToken,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>>;
    /// Runs `work` to its end without anyone awaiting it (a video job's cancel after the
    /// caller went away). Runtimes without a spawner drop it: the job then runs out on the
    /// service.
    #[cfg(feature = "media")]
    fn detach(&self, work: BoxFuture<'static, ()>) {
        drop(work);
    }
}

/// Time, for deadlines and latency: `performance.now()` and `setTimeout` on wasm.
pub trait Clock: MaybeSend + MaybeSync {
    fn now_ms(&self) -> f64;
    fn sleep(&self, ms: f64) -> BoxFuture<'static, ()>;
    /// Wall-clock milliseconds since the Unix epoch, for HTTP-date Retry-After.
    fn epoch_ms(&self) -> Option<f64> {
        None
    }
}

/// Reads a whole body (non-streaming responses).
pub async fn read_all(body: &mut dyn BodyReader) -> Result<Vec<u8>, TransportError> {
    let mut out = Vec::new();
    while let Some(chunk) = body.read().await? {
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

#[cfg(not(target_arch = "wasm32"))]
pub mod native {
    //! A thread-backed clock for native tests (no async runtime needed).
    use super::Clock;
    use crate::core::maybe_send::{boxed, BoxFuture};
    use std::time::Instant;

    pub struct StdClock(Instant);

    impl Default for StdClock {
        fn default() -> Self {
            StdClock(Instant::now())
        }
    }

    impl Clock for StdClock {
        fn now_ms(&self) -> f64 {
            self.0.elapsed().as_secs_f64() * 1000.0
        }
        fn sleep(&self, ms: f64) -> BoxFuture<'static, ()> {
            let (tx, rx) = futures::channel::oneshot::channel::<()>();
            let d = std::time::Duration::from_secs_f64(ms.max(0.0) / 1000.0);
            std::thread::spawn(move || {
                std::thread::sleep(d);
                let _ = tx.send(());
            });
            boxed(async move {
                let _ = rx.await;
            })
        }
    }
}
