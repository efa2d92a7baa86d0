//! A streamed operation over the executor: one batch of chunks per network read, with idle
//! timeouts, the call's deadline, cancellation, and failover when a stream dies. Text
//! already delivered is never sent twice.

use super::{Executor, Opened, Operation};
use crate::core::context::RequestContext;
use crate::core::error::{ErrorCode, LlmError, Result};
use crate::core::response::{Attempt, ChunkBatch};
use crate::prelude::*;
use crate::providers::Target;
use crate::resilience::{race, FailoverRun, StreamFailover};
use crate::transport::TransportError;
use crate::wire::{FrameDecoder, FrameError};
use alloc::sync::Arc;

/// What one stream event meant.
#[derive(Debug)]
pub enum StreamEvent {
    /// Appended to the batch (or skipped when it carried nothing).
    Chunk,
    Done,
}

/// A streaming operation: its request, how to read one event, and how to continue on
/// another endpoint after text was delivered.
pub trait StreamOperation: Operation {
    /// Reads one event of `target`'s stream into `batch`.
    fn event(&self, target: &dyn Target, data: &str, batch: &mut ChunkBatch)
        -> Result<StreamEvent>;
    /// Whether the batch's last chunks finished the answer (a stream may end without [DONE]).
    fn finished(&self, batch: &ChunkBatch, from: usize) -> bool;
    /// The operation that continues after `partial`, if this one can be continued.
    fn continuation(&self, partial: &str) -> Option<Result<Arc<dyn StreamOperation>>>;
    /// Notes for the first batch from endpoint `i` (the dropped parameters).
    fn notes(&self, exec: &Executor, i: usize) -> Vec<&'static str>;
    /// This operation's framing of `target`'s response when it is not the target's own
    /// (a raw audio body rather than SSE); `None` keeps the target's.
    fn decoder(&self, _target: &dyn Target) -> Option<Box<dyn FrameDecoder>> {
        None
    }
}

pub struct EngineStream {
    exec: Arc<Executor>,
    ctx: RequestContext,
    deadline: Option<f64>,
    run: FailoverRun,
    op: Arc<dyn StreamOperation>,
    current: Option<Opened>,
    /// The current response's framing (SSE, or the provider's own), fresh per response.
    decoder: Option<Box<dyn FrameDecoder>>,
    /// Every character handed to the caller so far (for partialContent and continuation).
    delivered: Delivered,
    saw_done: bool,
    saw_finish: bool,
    finished: bool,
    /// Bytes of the current response so far (checked as they arrive).
    received: usize,
    /// Set when a response opens, so the next batch can report the endpoint and attempts.
    report: bool,
    /// An error to give after the batch decoded in the same read.
    pending_error: Option<LlmError>,
}

impl EngineStream {
    pub fn new(exec: Arc<Executor>, ctx: RequestContext, op: Arc<dyn StreamOperation>) -> Self {
        let deadline = exec.deadline(&ctx);
        let run = exec.start_run();
        EngineStream {
            exec,
            ctx,
            deadline,
            run,
            op,
            current: None,
            decoder: None,
            delivered: Delivered::default(),
            saw_done: false,
            saw_finish: false,
            finished: false,
            received: 0,
            report: false,
            pending_error: None,
        }
    }

    /// The next batch: `None` at the end, an error once and then `None`.
    pub async fn next_batch(&mut self) -> Option<Result<ChunkBatch>> {
        if let Some(e) = self.pending_error.take() {
            return Some(Err(e));
        }
        loop {
            if self.finished {
                return None;
            }
            if self.current.is_none() {
                let opened = self
                    .exec
                    .open(&*self.op, &self.ctx, &mut self.run, self.deadline)
                    .await;
                match opened {
                    Ok(o) => {
                        self.run.attempts.push(Attempt {
                            endpoint: self.exec.target(o.endpoint).origin().to_string(),
                            status: Some(o.response.status),
                            error_code: None,
                            latency_ms: o.ttfb_ms,
                            skipped: false,
                            #[cfg(feature = "platform")]
                            marks: crate::core::response::Marks::hedge(o.hedge),
                        });
                        self.exec.pool.success(o.endpoint, o.ttfb_ms);
                        let max_event = self.exec.policy.limits.max_event_bytes;
                        let target = self.exec.target(o.endpoint);
                        self.decoder = Some(
                            self.op
                                .decoder(target)
                                .unwrap_or_else(|| target.stream_decoder(max_event)),
                        );
                        self.current = Some(o);
                        self.saw_done = false;
                        self.saw_finish = false;
                        self.received = 0;
                        self.report = true;
                    }
                    Err(mut e) => {
                        self.finished = true;
                        if !self.delivered.is_empty() {
                            e.partial_content = Some(self.delivered.text());
                        }
                        return Some(Err(e));
                    }
                }
            }
            let cur = self.current.as_mut()?;
            let read = race(
                cur.response.body.read(),
                &*self.exec.clock,
                &self.ctx.cancel,
                self.deadline,
                self.exec.policy.idle_timeout_ms,
            )
            .await;
            let mut batch = ChunkBatch::default();
            let end_of_body = matches!(read, Ok(Ok(None)));
            let failure: Option<LlmError> = match read {
                Ok(Ok(Some(bytes))) => match self.check_limits(bytes.len()) {
                    Some(e) => Some(e),
                    None => self.decode(&bytes, false, &mut batch).err(),
                },
                Ok(Ok(None)) => match self.decode(&[], true, &mut batch) {
                    Err(e) => Some(e),
                    Ok(()) if self.saw_done || self.saw_finish => None,
                    Ok(()) => Some(broken("the stream ended before its end marker ([DONE])")),
                },
                Ok(Err(TransportError::Cancelled)) => Some(LlmError::aborted()),
                Ok(Err(TransportError::Connection(why))) => {
                    Some(broken(&format!("the stream broke: {why}")))
                }
                Err(why) => Some(self.exec.interrupt_error(why, &self.ctx, "while streaming")),
            };
            let batch = if batch.is_empty() {
                None
            } else {
                Some(self.stamp(batch))
            };
            match failure {
                None => {
                    if end_of_body || self.saw_done {
                        self.finished = true;
                        if let Some(mut cur) = self.current.take() {
                            if !end_of_body {
                                // [DONE] seen: the rest (if any) is not ours to wait for.
                                cur.response.body.cancel();
                            }
                        }
                    }
                    if let Some(b) = batch {
                        return Some(Ok(b));
                    }
                }
                Some(e) => {
                    let bearer = self.current.as_ref().and_then(|c| c.bearer.clone());
                    let e = self.exec.redact(e, bearer.as_deref());
                    if let Some(err) = self.fail(e) {
                        return match batch {
                            Some(b) => {
                                self.pending_error = Some(err);
                                Some(Ok(b))
                            }
                            None => Some(Err(err)),
                        };
                    }
                    if let Some(b) = batch {
                        return Some(Ok(b));
                    }
                }
            }
        }
    }

    /// The whole-response limit, before `len` more bytes are decoded (the decoder checks
    /// each event's size as its bytes arrive).
    fn check_limits(&mut self, len: usize) -> Option<LlmError> {
        let limit = self.exec.policy.limits.max_stream_bytes;
        self.received += len;
        if self.received > limit {
            return Some(LlmError::too_large("the streamed response", limit));
        }
        None
    }

    fn decode(&mut self, bytes: &[u8], end: bool, batch: &mut ChunkBatch) -> Result<()> {
        let mut first_err: Option<LlmError> = None;
        let Some(cur) = self.current.as_ref() else {
            return Ok(());
        };
        let target = self.exec.target(cur.endpoint);
        let saw_done = &mut self.saw_done;
        let saw_finish = &mut self.saw_finish;
        let op = &*self.op;
        let exec = &*self.exec;
        let bearer = self.current.as_ref().and_then(|c| c.bearer.as_deref());
        let mut on_event = |data: &str| {
            if *saw_done || first_err.is_some() {
                return; // after [DONE] or an error nothing more is ours
            }
            let before = batch.marks.len();
            match op.event(target, data, batch) {
                Ok(StreamEvent::Done) => *saw_done = true,
                Ok(StreamEvent::Chunk) => {
                    if op.finished(batch, before) {
                        *saw_finish = true;
                    }
                }
                Err(e) => {
                    // The error may quote the event: quote it scrubbed, cut after scrubbing.
                    let clean = exec.scrub(data, bearer);
                    let mut scratch = ChunkBatch::default();
                    first_err = Some(op.event(target, &clean, &mut scratch).err().unwrap_or(e));
                }
            }
        };
        let Some(decoder) = self.decoder.as_mut() else {
            return Ok(());
        };
        let framed = if end {
            decoder.finish(&mut on_event)
        } else {
            decoder.feed(bytes, &mut on_event)
        };
        if let Some(e) = first_err {
            return Err(e);
        }
        match framed {
            Ok(()) => Ok(()),
            Err(FrameError::TooLarge) => Err(LlmError::too_large(
                "one stream event",
                self.exec.policy.limits.max_event_bytes,
            )),
            Err(FrameError::Corrupt(why)) => Err(LlmError::parse(format!(
                "the event stream is corrupt: {why}"
            ))),
        }
    }

    /// Marks text as delivered and, once per opened response, reports who is serving.
    fn stamp(&mut self, mut batch: ChunkBatch) -> ChunkBatch {
        self.delivered.push(&batch.text);
        if self.report {
            self.report = false;
            if let Some(cur) = &self.current {
                batch.endpoint = Some(self.exec.target(cur.endpoint).origin().to_string());
                batch.dropped_params = self.op.notes(&self.exec, cur.endpoint);
            }
            batch.attempts = Some(self.run.attempts.clone());
        }
        batch
    }

    /// A failure of the current response. Returns the error to give the caller, or `None`
    /// when the stream recovers on another endpoint.
    fn fail(&mut self, mut e: LlmError) -> Option<LlmError> {
        let now = self.exec.clock.now_ms();
        if let Some(mut cur) = self.current.take() {
            cur.response.body.cancel();
            cur.token.cancel(ErrorCode::Aborted);
            if let Some(last) = self.run.attempts.last_mut() {
                last.error_code = Some(e.code);
                last.latency_ms = now - cur.started_ms;
            }
            if e.code.is_failover() && !e.terminal {
                self.exec.pool.failure(cur.endpoint, &self.exec.policy, now);
            }
        }
        let out_of_time = e.terminal;
        self.run.skip_endpoint();
        let can_move = e.code.is_failover() && !out_of_time && self.run.has_more();
        if can_move && self.delivered.is_empty() {
            // Nothing was shown yet: fail over transparently (this error is the call's last
            // if the retry budget refuses the next request).
            #[cfg(feature = "platform")]
            {
                e.attempts = Vec::new();
                self.run.last_error = Some(e);
            }
            return None;
        }
        if can_move && self.exec.policy.stream_failover == StreamFailover::Continue {
            if let Some(next) = self.op.continuation(&self.delivered.text()) {
                match next {
                    Ok(op) => {
                        self.op = op;
                        #[cfg(feature = "platform")]
                        {
                            e.attempts = Vec::new();
                            self.run.last_error = Some(e);
                        }
                        return None;
                    }
                    Err(err) => e = err,
                }
            }
        }
        self.finished = true;
        e.attempts = self.run.attempts.clone();
        if !self.delivered.is_empty() {
            e.partial_content = Some(self.delivered.text());
        }
        Some(e)
    }
}

/// The text given to the caller so far, kept for partialContent and for continuing on a
/// backup. Fixed 64 KiB pieces rather than one growing String: a long answer's doubling
/// buffer left every earlier size stranded in the allocator (38 MB of wasm memory for 8 MB
/// of text at a million chunks), and a piece per read wasted allocator rounding.
#[derive(Default)]
struct Delivered(Vec<String>);

const PIECE: usize = 64 * 1024;

impl Delivered {
    fn push(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        match self.0.last_mut() {
            Some(last) if last.capacity() - last.len() >= text.len() => last.push_str(text),
            _ => {
                let mut piece = String::with_capacity(PIECE.max(text.len()));
                piece.push_str(text);
                self.0.push(piece);
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn text(&self) -> String {
        // A loop, not `concat()`: its generic join is 1 KB of wasm.
        let mut all = String::new();
        for piece in &self.0 {
            all.push_str(piece);
        }
        all
    }
}

fn broken(what: &str) -> LlmError {
    LlmError::new(ErrorCode::Connection, what.to_string()).with_hint("The connection was cut mid-answer; a backup endpoint (before any text) or streamFailover: \"continue\" (after text) can recover.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivered_text_survives_pieces_of_every_size() {
        let mut d = Delivered::default();
        let mut want = String::new();
        assert!(d.is_empty());
        for i in 0..2_000usize {
            // Small reads, a few larger than a piece, and empty ones.
            let len = match i % 97 {
                0 => PIECE + 10,
                1 => 0,
                _ => i % 300,
            };
            let text: String = (0..len)
                .map(|j| char::from(b'a' + ((i + j) % 26) as u8))
                .collect();
            d.push(&text);
            want.push_str(&text);
        }
        assert_eq!(d.text(), want);
        assert!(d.0.iter().all(|p| p.capacity() >= PIECE));
    }
}
