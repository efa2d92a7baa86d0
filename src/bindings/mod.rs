//! The only place that touches `JsValue`. Requests cross as JSON strings (one crossing,
//! read by the crate's pull parser), answers come back as JSON, streams as one batch per network read.
//! The package's JavaScript (pkg-template/) wraps these into the public API.

use crate::prelude::*;

pub mod fetch;
#[cfg(feature = "test-exports")]
mod test_exports;

use crate::core::cancel::CancelToken;
use crate::core::context::RequestContext;
use crate::core::error::{ErrorCode, LlmError};
use crate::core::llm::{image_data_url, BaseLlm};
use crate::core::maybe_send::BoxStream;
use crate::core::message::parse_messages;
use crate::core::metadata::write_models;
use crate::core::metadata::{MediaType, ModelMetadata};
use crate::core::params::GenerationParams;
use crate::core::response::ChunkBatch;
#[cfg(feature = "media")]
use crate::media::Media;
use crate::providers::TokenProvider;
use crate::registry::{self, Model};
use crate::wire::json::{Json, JsonWriter, Kind};
use alloc::rc::Rc;
use alloc::sync::Arc;
use core::cell::RefCell;
use fetch::{FetchTransport, JsClock, JsTokenProvider};
use futures::StreamExt;
use js_sys::{Array, Function, Promise, Uint32Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

/// An LlmError as a JS Error whose `llmError` property holds the details as JSON; the
/// package's JS turns it into an LLMError instance.
fn error_to_js(e: &LlmError) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    let _ = js_sys::Reflect::set(&err, &"llmError".into(), &JsValue::from_str(&e.to_json()));
    err.into()
}

type JsResult<T> = Result<T, JsValue>;

fn js<T>(r: crate::core::error::Result<T>) -> JsResult<T> {
    r.map_err(|e| error_to_js(&e))
}

#[wasm_bindgen(js_name = listModels)]
pub fn list_models() -> JsResult<String> {
    Ok(write_models(&registry::list_models()))
}

/// Traps on purpose: the package's tests prove that a trap is reported as `internal` and
/// that later calls run on a fresh instance.
#[wasm_bindgen(js_name = __forceTrapForTests)]
pub fn force_trap() {
    core::arch::wasm32::unreachable()
}

/// The live instance's linear memory in bytes: the package's tests check that it stops
/// growing under a long mixed workload.
#[wasm_bindgen(js_name = __wasmMemoryBytesForTests)]
pub fn wasm_memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}

/// Image bytes (sniffed PNG/JPEG/GIF/WebP) as a data: URL for the vision helper.
#[wasm_bindgen(js_name = imageDataUrl)]
pub fn image_data_url_js(bytes: &[u8]) -> JsResult<String> {
    js(image_data_url(bytes))
}

fn parse_ctx(json: &str) -> crate::core::error::Result<RequestContext> {
    const HINT: &str = "ctx is { requestId?, signal?, timeoutMs?, metadata? }.";
    let mut ctx = RequestContext::default();
    if json.is_empty() || json == "null" {
        return Ok(ctx);
    }
    let mut problem: Option<LlmError> = None;
    let mut p = Json::new(json);
    let r = p
        .obj(|p, k| {
            if p.null()? {
                return Ok(());
            }
            match (k.as_ref(), p.kind()?) {
                ("requestId", Kind::String) => {
                    let id = p.str()?;
                    if crate::providers::url::valid_header_value(&id) && id.len() <= 256 {
                        ctx.request_id = Some(id.into_owned());
                    } else {
                        problem.get_or_insert(LlmError::invalid_input(
                            "ctx.requestId cannot be sent as a header (line breaks, control or non-Latin-1 characters, or over 256 characters)",
                            "Use a short ASCII id such as a UUID.",
                        ));
                    }
                }
                ("timeoutMs", Kind::Number) => {
                    let t = p.f64()?;
                    if t > 0.0 && t.is_finite() {
                        ctx.timeout_ms = Some(t.min(crate::config::MAX_TIMER_MS));
                    } else {
                        problem = Some(LlmError::invalid_input(
                            "ctx.timeoutMs must be a positive number of milliseconds",
                            "Leave it out for no overall deadline.",
                        ));
                    }
                }
                // false: the call must not be sent twice at once (no hedges).
                ("idempotent", Kind::Bool) => ctx.no_hedge |= !p.bool()?,
                #[cfg(feature = "platform")]
                ("hedge", Kind::Bool) => ctx.no_hedge |= !p.bool()?,
                #[cfg(feature = "platform")]
                ("hedge", Kind::Object) => p.obj(|p, k| {
                    if p.null()? {
                        return Ok(());
                    }
                    match (k.as_ref(), p.kind()?) {
                        ("delayMs", Kind::Number) => match p.f64()? {
                            t if t >= 0.0 && t.is_finite() => {
                                ctx.hedge_delay_ms = Some(t.min(crate::config::MAX_TIMER_MS))
                            }
                            _ => {
                                problem.get_or_insert(LlmError::invalid_input(
                                    "ctx.hedge.delayMs must be a non-negative number of milliseconds",
                                    "Leave it out for the model's hedge delay.",
                                ));
                            }
                        },
                        ("maxHedges", Kind::Number) => match crate::wire::json::parse_u64(p.raw()?) {
                            Some(n) if n <= 10 => ctx.max_hedges = Some(n as u32),
                            _ => {
                                problem.get_or_insert(LlmError::invalid_input(
                                    "ctx.hedge.maxHedges must be an integer from 0 to 10",
                                    "0 turns hedging off for the call; leave it out for the model's.",
                                ));
                            }
                        },
                        (other, _) => {
                            problem.get_or_insert(LlmError::invalid_input(
                                format!("ctx.hedge.{other} is not expected here"),
                                "ctx.hedge is false or { delayMs?, maxHedges? }.",
                            ));
                            p.skip()?
                        }
                    }
                    Ok(())
                })?,
                ("metadata", Kind::Object) => p.obj(|p, k| {
                    let v = p.str()?.into_owned();
                    // A Vec, not a map: a few tags, and no map or sort code in the wasm.
                    ctx.metadata.retain(|(old, _)| *old != k);
                    ctx.metadata.push((k.into_owned(), v));
                    Ok(())
                })?,
                (other, kind) => {
                    problem.get_or_insert(LlmError::invalid_input(
                        format!("ctx.{other} is not expected here ({})", kind.name()),
                        HINT,
                    ));
                    p.skip()?
                }
            }
            Ok(())
        })
        .and_then(|_| p.end());
    if let Some(e) = problem {
        return Err(e);
    }
    r.map_err(|e| LlmError::invalid_input(format!("ctx: {e}"), HINT))?;
    Ok(ctx)
}

/// Forwards an AbortSignal to a CancelToken; removes its listener when dropped.
struct SignalGuard {
    signal: AbortSignal,
    listener: Closure<dyn FnMut()>,
}

impl Drop for SignalGuard {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.listener.as_ref().unchecked_ref());
    }
}

fn watch_signal(signal: Option<AbortSignal>, token: &CancelToken) -> Option<SignalGuard> {
    let signal = signal?;
    if signal.aborted() {
        token.cancel(ErrorCode::Aborted);
        return None;
    }
    let t = token.clone();
    let listener = Closure::<dyn FnMut()>::new(move || t.cancel(ErrorCode::Aborted));
    let _ = signal.add_event_listener_with_callback("abort", listener.as_ref().unchecked_ref());
    Some(SignalGuard { signal, listener })
}

/// The BaseLLM helpers, for the library's models and for JS subclasses alike.
#[wasm_bindgen]
pub struct Helpers {
    base: BaseLlm,
}

#[wasm_bindgen]
impl Helpers {
    #[wasm_bindgen(constructor)]
    pub fn new(metadata_json: &str, defaults_json: &str) -> JsResult<Helpers> {
        let metadata = js(ModelMetadata::from_json(metadata_json))?;
        let defaults = js(GenerationParams::from_json(defaults_json))?;
        Ok(Helpers {
            base: BaseLlm::new(metadata, defaults),
        })
    }

    #[wasm_bindgen(js_name = validateMessages)]
    pub fn validate_messages(&self, messages_json: &str) -> JsResult<()> {
        let m = js(parse_messages(messages_json))?;
        js(self.base.validate_messages(&m))
    }

    #[wasm_bindgen(js_name = mergeParameters)]
    pub fn merge_parameters(&self, params_json: &str) -> JsResult<String> {
        let p = js(GenerationParams::from_json(params_json))?;
        Ok(self.base.merge_parameters(&p).to_json())
    }

    #[wasm_bindgen(js_name = estimateTokens)]
    pub fn estimate_tokens(&self, messages_json: &str) -> JsResult<f64> {
        let m = js(parse_messages(messages_json))?;
        Ok(self.base.estimate_tokens(&m) as f64)
    }

    #[wasm_bindgen(js_name = validateTokenLimits)]
    pub fn validate_token_limits(
        &self,
        messages_json: &str,
        max_tokens: Option<f64>,
    ) -> JsResult<()> {
        let m = js(parse_messages(messages_json))?;
        let max = match max_tokens {
            Some(x) if x.is_finite() && x >= 1.0 => Some(x as u64),
            Some(_) => {
                return Err(error_to_js(&LlmError::invalid_input(
                    "maxTokens must be a positive number",
                    "Leave it out or give a positive integer.",
                )))
            }
            None => None,
        };
        js(self.base.validate_token_limits(&m, max))
    }

    #[wasm_bindgen(js_name = checkTextOutputSupport)]
    pub fn check_text_output_support(&self) -> JsResult<()> {
        js(self.base.check_text_output_support())
    }

    /// The vision request as messages JSON; images are already URLs (bytes went through
    /// imageDataUrl).
    #[wasm_bindgen(js_name = visionMessages)]
    pub fn vision_messages(&self, prompt: &str, image_urls_json: &str) -> JsResult<String> {
        // The URLs arrive as one JSON array: a Vec<String> parameter costs a 2.5 KB shim.
        let mut urls = Vec::new();
        let mut p = Json::new(image_urls_json);
        js(p.arr(|p, _| {
            urls.push(p.str()?.into_owned());
            Ok(())
        })
        .map_err(|e| {
            LlmError::invalid_input(
                format!("image URLs: {e}"),
                "Pass images as URLs, data: URLs, bytes or Blobs.",
            )
        }))?;
        let m = js(self.base.vision_messages(prompt, &urls))?;
        let mut w = JsonWriter::new();
        crate::core::message::write_messages(&mut w, &m);
        Ok(w.finish())
    }

    /// The refusal for a media method, as the error to throw.
    #[wasm_bindgen(js_name = unsupportedMedia)]
    pub fn unsupported_media(&self, method: &str) -> JsValue {
        // getImage/streamImage and so on.
        let t = if method.ends_with("Image") {
            MediaType::Image
        } else if method.ends_with("Audio") {
            MediaType::Audio
        } else if method.ends_with("Video") {
            MediaType::Video
        } else {
            MediaType::Text
        };
        if self.base.metadata.supports_output(t) {
            // A media model whose method is not there: a JS subclass that did not implement
            // it, or the library's model on the default entry (no media operations built in).
            return error_to_js(&LlmError::unsupported(
                format!("{method} is not available for {} here", self.base.metadata.model_name),
                "The library's media models need \"llm-edge/full\" (the default entry leaves the media operations out to stay small); a BaseLLM subclass implements the method itself.",
            ));
        }
        error_to_js(&self.base.unsupported_media(method, t))
    }

    pub fn metadata(&self) -> JsResult<String> {
        let mut w = JsonWriter::new();
        self.base.metadata.write(&mut w);
        Ok(w.finish())
    }
}

/// A model from the factory.
#[wasm_bindgen]
pub struct WasmModel {
    model: Rc<Model>,
}

/// The factory. `token_fns[i]` is the getToken function that the config's `getToken: i`
/// refers to.
#[wasm_bindgen(js_name = createModel)]
pub fn create_model(
    config_json: &str,
    token_fns: Array,
    fetch: Option<Function>,
) -> JsResult<WasmModel> {
    let tokens: Vec<Arc<dyn TokenProvider>> = token_fns
        .iter()
        .map(|f| -> JsResult<Arc<dyn TokenProvider>> {
            let f: Function = f.dyn_into().map_err(|_| {
                error_to_js(&LlmError::invalid_input(
                    "getToken must be a function",
                    "Pass getToken: () => token or an async function.",
                ))
            })?;
            Ok(Arc::new(JsTokenProvider(f)))
        })
        .collect::<JsResult<_>>()?;
    let model = js(registry::create(
        config_json,
        tokens,
        Arc::new(FetchTransport { custom: fetch }),
        Arc::new(JsClock),
    ))?;
    Ok(WasmModel {
        model: Rc::new(model),
    })
}

#[wasm_bindgen]
impl WasmModel {
    pub fn helpers(&self) -> Helpers {
        Helpers {
            base: self.model.helpers.clone(),
        }
    }

    #[wasm_bindgen(js_name = getAnswer)]
    pub fn get_answer(
        &self,
        messages_json: &str,
        ctx_json: &str,
        params_json: &str,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let prepared = (|| {
            let messages = parse_messages(messages_json)?;
            let ctx = parse_ctx(ctx_json)?;
            let params = GenerationParams::from_json(params_json)?;
            Ok::<_, LlmError>((messages, ctx, params))
        })();
        let (messages, ctx, params) = match prepared {
            Ok(x) => x,
            Err(e) => return Promise::reject(&error_to_js(&e)),
        };
        let guard = watch_signal(signal, &ctx.cancel);
        let fut = self.model.llm.get_answer(messages, ctx, params);
        future_to_promise(async move {
            let r = fut.await;
            drop(guard);
            match r {
                Ok(resp) => Ok(JsValue::from_str(&resp.to_json())),
                Err(e) => Err(error_to_js(&e)),
            }
        })
    }

    /// Starts a stream; bad input surfaces as the first `next()` rejection, nothing sent.
    #[wasm_bindgen(js_name = streamAnswer)]
    pub fn stream_answer(
        &self,
        messages_json: &str,
        ctx_json: &str,
        params_json: &str,
        signal: Option<AbortSignal>,
    ) -> WasmStream {
        let prepared = (|| {
            let messages = parse_messages(messages_json)?;
            let ctx = parse_ctx(ctx_json)?;
            let params = GenerationParams::from_json(params_json)?;
            Ok::<_, LlmError>((messages, ctx, params))
        })();
        match prepared {
            Ok((messages, ctx, params)) => {
                let cancel = ctx.cancel.clone();
                let guard = watch_signal(signal, &cancel);
                let stream = self.model.llm.stream_answer(messages, ctx, params);
                WasmStream {
                    inner: Rc::new(RefCell::new(Some(stream))),
                    cancel,
                    guard: Rc::new(RefCell::new(guard)),
                }
            }
            Err(e) => WasmStream {
                inner: Rc::new(RefCell::new(Some(Box::pin(futures::stream::once(
                    async move { Err(e) },
                ))))),
                cancel: CancelToken::new(),
                guard: Rc::new(RefCell::new(None)),
            },
        }
    }

    /// Running usage and cost by model and endpoint, as JSON.
    #[wasm_bindgen(js_name = usageTotals)]
    pub fn usage_totals(&self) -> String {
        crate::chat::write_totals(&self.model.totals)
    }

    pub fn close(&self) {
        self.model.executor.close();
    }
}

/// Shared endpoint health, in builds with the `shared-health` feature (the full variant).
#[cfg(feature = "shared-health")]
#[wasm_bindgen]
impl WasmModel {
    /// For llm-edge/health, which shares breaker state across isolates: applies what other
    /// isolates saw to endpoint `i` (none when `i` is out of range; see `Pool::adopt` for
    /// `open_ms` and `ttfb_ms`), then returns [the endpoints' health ids joined by "\n"
    /// (only for i = -1, as JS passes it: u32::MAX; else undefined), a Float64Array of openMs, consecutive failures, successes, failures and ttfbMs (-1:
    /// unmeasured) per endpoint]. Numbers, not JSON: no parser or writer for this path.
    #[wasm_bindgen(js_name = endpointHealth)]
    pub fn endpoint_health(&self, i: u32, open_ms: f64, ttfb_ms: f64) -> Array {
        let exec = &self.model.executor;
        let now = exec.clock.now_ms();
        exec.pool.adopt(i as usize, open_ms, ttfb_ms, now);
        let mut nums = Vec::new();
        for k in 0..exec.pool.len() {
            if let Some(s) = exec.pool.shared(k, now) {
                nums.extend_from_slice(&[
                    s.open_ms,
                    s.consecutive_failures as f64,
                    s.successes as f64,
                    s.failures as f64,
                    s.ttfb_ms.unwrap_or(-1.0),
                ]);
            }
        }
        let out = Array::new_with_length(2);
        // The ids only when asked (i = -1): llm-edge/health reads the numbers on every call
        // and the ids once, and the string was most of this call's cost.
        if i == u32::MAX {
            out.set(0, JsValue::from_str(&self.model.health_ids.join("\n")));
        }
        out.set(1, js_sys::Float64Array::from(&nums[..]).into());
        out
    }
}

/// The media calls, in builds with the `media` feature (the package's full variant).
#[cfg(feature = "media")]
#[wasm_bindgen]
impl WasmModel {
    fn media(&self) -> Media<'_> {
        Media {
            helpers: &self.model.helpers,
            exec: &self.model.executor,
            totals: &self.model.totals,
        }
    }

    /// getImage: resolves to the answer's JSON (images as URLs or base64).
    #[wasm_bindgen(js_name = getImage)]
    pub fn get_image(
        &self,
        prompt: String,
        ctx_json: &str,
        params_json: &str,
        signal: Option<AbortSignal>,
        images: Option<Array>,
        mask: Option<js_sys::Uint8Array>,
    ) -> Promise {
        let ctx = match parse_ctx(ctx_json) {
            Ok(c) => c,
            Err(e) => return Promise::reject(&error_to_js(&e)),
        };
        let guard = watch_signal(signal, &ctx.cancel);
        let fut = self
            .media()
            .get_image(prompt, ctx, params_json, edit_inputs(images, mask));
        future_to_promise(async move {
            let r = fut.await;
            drop(guard);
            r.map(|s| JsValue::from_str(&s))
                .map_err(|e| error_to_js(&e))
        })
    }

    /// getAudio: resolves to [answer JSON, the audio bytes as a Uint8Array].
    #[wasm_bindgen(js_name = getAudio)]
    pub fn get_audio(
        &self,
        input: String,
        ctx_json: &str,
        params_json: &str,
        signal: Option<AbortSignal>,
    ) -> Promise {
        let ctx = match parse_ctx(ctx_json) {
            Ok(c) => c,
            Err(e) => return Promise::reject(&error_to_js(&e)),
        };
        let guard = watch_signal(signal, &ctx.cancel);
        let fut = self.media().get_audio(input, ctx, params_json);
        future_to_promise(async move {
            let r = fut.await;
            drop(guard);
            let (json, bytes) = r.map_err(|e| error_to_js(&e))?;
            let out = Array::new_with_length(2);
            out.set(0, JsValue::from_str(&json));
            out.set(1, js_sys::Uint8Array::from(&bytes[..]).into());
            Ok(out.into())
        })
    }

    /// streamImage / streamAudio (`method` names which): batches whose chunk texts are
    /// base64 payloads, one batch per network read as for streamAnswer.
    #[wasm_bindgen(js_name = streamMedia)]
    pub fn stream_media(
        &self,
        method: &str,
        text: String,
        ctx_json: &str,
        params_json: &str,
        signal: Option<AbortSignal>,
        images: Option<Array>,
        mask: Option<js_sys::Uint8Array>,
    ) -> WasmStream {
        let edit = edit_inputs(images, mask);
        let (stream, cancel) = match parse_ctx(ctx_json) {
            Ok(ctx) => {
                let cancel = ctx.cancel.clone();
                (
                    self.media().stream(method, text, ctx, params_json, edit),
                    cancel,
                )
            }
            Err(e) => (
                Box::pin(futures::stream::once(async move { Err(e) })) as BoxStream<'static, _>,
                CancelToken::new(),
            ),
        };
        let guard = watch_signal(signal, &cancel);
        WasmStream {
            inner: Rc::new(RefCell::new(Some(stream))),
            cancel,
            guard: Rc::new(RefCell::new(guard)),
        }
    }
}

/// An edit's inputs from JS (Uint8Arrays the package made, copied into wasm memory once).
#[cfg(feature = "media")]
fn edit_inputs(
    images: Option<Array>,
    mask: Option<js_sys::Uint8Array>,
) -> Option<crate::media::EditInputs> {
    let images = images?;
    Some(crate::media::EditInputs {
        images: images
            .iter()
            .map(|v| {
                v.dyn_into::<js_sys::Uint8Array>()
                    .map(|a| a.to_vec())
                    .unwrap_or_default()
            })
            .collect(),
        mask: mask.map(|m| m.to_vec()),
    })
}

/// A stream of batches for the package's JS to turn into chunk objects.
#[wasm_bindgen]
pub struct WasmStream {
    inner: Rc<RefCell<Option<BoxStream<'static, crate::core::error::Result<ChunkBatch>>>>>,
    cancel: CancelToken,
    guard: Rc<RefCell<Option<SignalGuard>>>,
}

/// [text, ends (UTF-16 offsets), meta JSON or null, served-by JSON or null]. Meta lists
/// only the chunks that carry more than text: [{ i, toolCallDeltas?, finishReason?, usage? }].
fn batch_to_js(b: &ChunkBatch) -> JsValue {
    let ends: Vec<u32> = b.marks.iter().map(|m| m.end).collect();
    let mut meta: Option<JsonWriter> = None;
    for (i, m) in b.marks.iter().enumerate().filter(|(_, m)| m.has_meta()) {
        let w = meta.get_or_insert_with(|| {
            let mut w = JsonWriter::new();
            w.begin_arr();
            w
        });
        w.begin_obj().key("i").uint(i as u64);
        if !m.tool_call_deltas.is_empty() {
            w.key("toolCallDeltas").begin_arr();
            for d in &m.tool_call_deltas {
                d.write(w);
            }
            w.end_arr();
        }
        w.opt_str("finishReason", m.finish_reason.map(|f| f.as_str()))
            .opt_str("reasoningDelta", m.reasoning.as_deref());
        if let Some(u) = &m.usage {
            w.key("usage");
            u.write(w);
        }
        w.end_obj();
    }
    let out = Array::new_with_length(4);
    out.set(0, JsValue::from_str(&b.text));
    out.set(1, Uint32Array::from(&ends[..]).into());
    out.set(
        2,
        match meta {
            Some(mut w) => {
                w.end_arr();
                JsValue::from_str(&w.finish())
            }
            None => JsValue::NULL,
        },
    );
    out.set(
        3,
        match &b.attempts {
            Some(attempts) => {
                let mut w = JsonWriter::new();
                w.begin_obj()
                    .opt_str("endpoint", b.endpoint.as_deref())
                    .key("attempts");
                crate::core::response::write_attempts(&mut w, attempts);
                if !b.dropped_params.is_empty() {
                    w.key("droppedParams").begin_arr();
                    for d in &b.dropped_params {
                        w.str(d);
                    }
                    w.end_arr();
                }
                w.end_obj();
                JsValue::from_str(&w.finish())
            }
            None => JsValue::NULL,
        },
    );
    out.into()
}

#[wasm_bindgen]
impl WasmStream {
    /// The next batch, or undefined at the end. One call per network read.
    pub fn next(&self) -> Promise {
        let inner = self.inner.clone();
        let cancel = self.cancel.clone();
        let guard = self.guard.clone();
        future_to_promise(async move {
            let taken = inner.borrow_mut().take();
            let Some(mut s) = taken else {
                return Ok(JsValue::UNDEFINED);
            };
            match s.next().await {
                None => {
                    guard.borrow_mut().take();
                    Ok(JsValue::UNDEFINED)
                }
                Some(Ok(batch)) => {
                    if !cancel.is_cancelled() {
                        *inner.borrow_mut() = Some(s);
                    }
                    Ok(batch_to_js(&batch))
                }
                Some(Err(e)) => {
                    guard.borrow_mut().take();
                    Err(error_to_js(&e))
                }
            }
        })
    }

    /// Stops the stream and aborts its request (dropping the body aborts the fetch).
    pub fn cancel(&self) {
        self.cancel.cancel(ErrorCode::Aborted);
        self.inner.borrow_mut().take();
        self.guard.borrow_mut().take();
    }
}
