//! The transport and clock on the runtime's own globals: `fetch`, `setTimeout`,
//! `performance.now()`. Bound on the global object, not on Window, so the same code runs
//! in browsers, Workers, Node and Deno.

use crate::core::cancel::CancelToken;
use crate::core::error::ErrorCode;
use crate::core::maybe_send::{boxed, BoxFuture};
use crate::prelude::*;
use crate::transport::{BodyReader, Clock, HttpRequest, HttpResponse, Transport, TransportError};
use alloc::rc::Rc;
use core::cell::RefCell;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, ReadableStreamDefaultReader, RequestInit, Response};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(url: &str, init: &RequestInit) -> Result<Promise, JsValue>;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(cb: &Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    fn date_now() -> f64;
}

/// The headers the core reads from responses (retry hints); reading only these avoids
/// iterating every header across the boundary.
const WANTED_HEADERS: &[&str] = &[
    "location",
    "retry-after",
    "retry-after-ms",
    "x-ms-retry-after-ms",
    "content-type",
    "x-ms-region",
    "apim-request-id",
    // Bedrock's error type, and the server's clock for a signature-time answer (full
    // variant only).
    #[cfg(feature = "bedrock")]
    "x-amzn-errortype",
    #[cfg(feature = "bedrock")]
    "date",
];

/// The runtime's global `fetch`, or the one the config passed (tracing, proxies, tests).
#[derive(Default)]
pub struct FetchTransport {
    pub custom: Option<Function>,
}

/// Describes a rejected fetch: its message plus the cause's code (ECONNREFUSED, …) where
/// the runtime gives one.
fn describe_js_error(e: &JsValue) -> String {
    let msg = Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "fetch failed".into());
    let cause = Reflect::get(e, &"cause".into())
        .ok()
        .filter(|c| c.is_object());
    let code = cause
        .as_ref()
        .and_then(|c| Reflect::get(c, &"code".into()).ok())
        .and_then(|c| c.as_string());
    match code {
        Some(c) => format!("{msg} ({c})"),
        None => msg,
    }
}

impl Transport for FetchTransport {
    fn send(
        &self,
        req: HttpRequest,
        cancel: CancelToken,
    ) -> BoxFuture<'static, Result<HttpResponse, TransportError>> {
        let custom = self.custom.clone();
        boxed(async move {
            let controller = AbortController::new()
                .map_err(|e| TransportError::Connection(describe_js_error(&e)))?;
            let headers =
                Headers::new().map_err(|e| TransportError::Connection(describe_js_error(&e)))?;
            for (k, v) in &req.headers {
                headers.set(k, v).map_err(|_| {
                    TransportError::Connection(format!("header {k} could not be set"))
                })?;
            }
            let init = RequestInit::new();
            init.set_method(req.method);
            init.set_headers(&headers);
            if let Some(body) = &req.body {
                init.set_body(&JsValue::from_str(body));
            }
            #[cfg(feature = "media")]
            if let Some(bytes) = &req.binary {
                init.set_body(&js_sys::Uint8Array::from(&bytes[..]).into());
            }
            init.set_signal(Some(&controller.signal()));
            // Credentials are never sent on to wherever a redirect points: a 3xx comes back
            // as it is (a browser gives an opaque redirect) and becomes a typed error.
            init.set_redirect(web_sys::RequestRedirect::Manual);
            {
                let c = controller.clone();
                cancel.on_cancel(move || c.abort());
            }
            let promise = match &custom {
                Some(f) => f
                    .call2(&JsValue::UNDEFINED, &JsValue::from_str(&req.url), &init)
                    .map(|v| Promise::resolve(&v)),
                None => global_fetch(&req.url, &init),
            }
            .map_err(|e| TransportError::Connection(describe_js_error(&e)))?;
            let resp = match JsFuture::from(promise).await {
                Ok(r) => r,
                Err(_) if cancel.is_cancelled() => return Err(TransportError::Cancelled),
                Err(e) => return Err(TransportError::Connection(describe_js_error(&e))),
            };
            let resp: Response = resp.dyn_into().map_err(|_| {
                TransportError::Connection("fetch did not return a Response".into())
            })?;
            // A browser hides a manual redirect's status and Location: status 0.
            let status = match resp.type_() {
                web_sys::ResponseType::Opaqueredirect => 302,
                _ => resp.status(),
            };
            let h = resp.headers();
            let headers = WANTED_HEADERS
                .iter()
                .filter_map(|n| h.get(n).ok().flatten().map(|v| (n.to_string(), v)))
                .collect();
            let reader = match resp.body() {
                Some(stream) => Some(
                    stream
                        .get_reader()
                        .unchecked_into::<ReadableStreamDefaultReader>(),
                ),
                None => None,
            };
            Ok(HttpResponse {
                status,
                headers,
                body: Box::new(FetchBody {
                    reader,
                    controller: Some(controller),
                    cancel,
                }),
            })
        })
    }
    #[cfg(feature = "media")]
    fn detach(&self, work: BoxFuture<'static, ()>) {
        wasm_bindgen_futures::spawn_local(work);
    }
}

struct FetchBody {
    reader: Option<ReadableStreamDefaultReader>,
    controller: Option<AbortController>,
    cancel: CancelToken,
}

impl BodyReader for FetchBody {
    fn read(&mut self) -> BoxFuture<'_, Result<Option<Vec<u8>>, TransportError>> {
        boxed(async move {
            let Some(reader) = &self.reader else {
                return Ok(None);
            };
            let result = match JsFuture::from(reader.read()).await {
                Ok(r) => r,
                Err(_) if self.cancel.is_cancelled() => return Err(TransportError::Cancelled),
                Err(e) => return Err(TransportError::Connection(describe_js_error(&e))),
            };
            let done = Reflect::get(&result, &"done".into())
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true);
            if done {
                self.reader = None;
                self.controller = None; // finished: nothing left to abort
                return Ok(None);
            }
            let value = Reflect::get(&result, &"value".into())
                .map_err(|e| TransportError::Connection(describe_js_error(&e)))?;
            // One copy per network read into wasm memory.
            Ok(Some(
                value
                    .dyn_into::<Uint8Array>()
                    .map_err(|_| TransportError::Connection("a body chunk was not bytes".into()))?
                    .to_vec(),
            ))
        })
    }

    fn cancel(&mut self) {
        if let Some(r) = self.reader.take() {
            // The promise rejects when the body already failed; that is expected here and
            // must not surface as an unhandled rejection: awaiting it handles it.
            let cancelled = JsFuture::from(r.cancel());
            wasm_bindgen_futures::spawn_local(async move {
                let _ = cancelled.await;
            });
        }
        if let Some(c) = self.controller.take() {
            c.abort();
        }
    }
}

impl Drop for FetchBody {
    /// A body dropped before its end (a cancelled stream) aborts the download. One read to
    /// its end has nothing left to abort: aborting anyway cost every request a DOMException
    /// and the runtime's error path (a third of llm-edge's request overhead in Node).
    fn drop(&mut self) {
        if self.reader.is_some() || self.controller.is_some() {
            self.cancel();
            self.cancel.cancel(ErrorCode::Aborted);
        }
    }
}

pub struct JsClock;

impl Clock for JsClock {
    fn now_ms(&self) -> f64 {
        performance_now()
    }
    fn sleep(&self, ms: f64) -> BoxFuture<'static, ()> {
        boxed(Sleep::new(ms))
    }
    fn epoch_ms(&self) -> Option<f64> {
        Some(date_now())
    }
}

/// A setTimeout future that clears its timer when dropped, so a finished call leaves no
/// timer behind to keep a Node process or a Worker alive.
struct Sleep {
    state: Rc<RefCell<(bool, Option<Waker>)>>,
    id: JsValue,
    _cb: Closure<dyn FnMut()>,
}

impl Sleep {
    fn new(ms: f64) -> Sleep {
        let state = Rc::new(RefCell::new((false, None::<Waker>)));
        let s = state.clone();
        let cb = Closure::<dyn FnMut()>::new(move || {
            let waker = {
                let mut g = s.borrow_mut();
                g.0 = true;
                g.1.take()
            };
            if let Some(w) = waker {
                w.wake();
            }
        });
        let id = set_timeout(cb.as_ref().unchecked_ref(), ms.max(0.0));
        Sleep { state, id, _cb: cb }
    }
}

impl Future for Sleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut g = self.state.borrow_mut();
        if g.0 {
            Poll::Ready(())
        } else {
            g.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if !self.state.borrow().0 {
            clear_timeout(&self.id);
        }
    }
}

/// A getToken function from JS; its result may be a string or a promise of one.
pub struct JsTokenProvider(pub Function);

impl crate::providers::TokenProvider for JsTokenProvider {
    fn token(&self) -> BoxFuture<'static, Result<String, String>> {
        let called = self.0.call0(&JsValue::UNDEFINED);
        boxed(async move {
            let v = called.map_err(|e| describe_js_error(&e))?;
            let v = JsFuture::from(Promise::resolve(&v))
                .await
                .map_err(|e| describe_js_error(&e))?;
            match v.as_string() {
                Some(s) if !s.is_empty() => Ok(s),
                _ => Err("it did not return a non-empty string".into()),
            }
        })
    }
}
