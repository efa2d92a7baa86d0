//! Wire formats: the SSE decoder, the JSON reader and writer, their byte scans, and the
//! framing trait the executor's stream runner reads any event stream through.

use crate::core::maybe_send::MaybeSend;
use crate::prelude::*;

pub mod eventstream;
pub mod json;
pub mod scan;
pub mod sse;

/// Why a framing gave up on a stream.
#[derive(Debug, PartialEq)]
pub enum FrameError {
    /// One event passed the size limit before it was complete.
    TooLarge,
    /// The bytes are not this framing (a bad CRC, an impossible length).
    Corrupt(String),
}

/// Cuts a response body into events, as bytes arrive split anywhere. Each event reaches
/// `on_event` as text: SSE's data, or a binary framing's payload made into JSON.
pub trait FrameDecoder: MaybeSend {
    fn feed(&mut self, bytes: &[u8], on_event: &mut dyn FnMut(&str)) -> Result<(), FrameError>;
    /// The end of the body: dispatches what a last event left without its terminator.
    fn finish(&mut self, on_event: &mut dyn FnMut(&str)) -> Result<(), FrameError>;
}

impl FrameDecoder for sse::SseDecoder {
    fn feed(&mut self, bytes: &[u8], on_event: &mut dyn FnMut(&str)) -> Result<(), FrameError> {
        sse::SseDecoder::feed(self, bytes, on_event);
        if self.overflowed() {
            return Err(FrameError::TooLarge);
        }
        Ok(())
    }
    fn finish(&mut self, on_event: &mut dyn FnMut(&str)) -> Result<(), FrameError> {
        sse::SseDecoder::finish(self, on_event);
        if self.overflowed() {
            return Err(FrameError::TooLarge);
        }
        Ok(())
    }
}
