//! AWS event stream (`application/vnd.amazon.eventstream`), the binary framing of Bedrock's
//! ConverseStream: `[total u32][headers u32][prelude crc][headers][payload][message crc]`,
//! big-endian, CRC-32 (IEEE). Decoded as bytes arrive, split anywhere; a frame is buffered
//! only once its prelude says it fits the event limit.

use super::{FrameDecoder, FrameError};
use crate::prelude::*;
use crate::wire::json::escape_into;

/// CRC-32 (IEEE, reflected), four bits at a time: a 64-byte table instead of 1 KiB; the
/// frames are small, so the slower loop costs nothing that shows.
pub fn crc32(bytes: &[u8]) -> u32 {
    crc32_update(0, bytes)
}

const NIBBLE: [u32; 16] = {
    let mut t = [0u32; 16];
    let mut i = 0;
    while i < 16 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 4 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
};

pub fn crc32_update(crc: u32, bytes: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in bytes {
        c ^= b as u32;
        c = NIBBLE[(c & 15) as usize] ^ (c >> 4);
        c = NIBBLE[(c & 15) as usize] ^ (c >> 4);
    }
    !c
}

/// A header's value, by its wire type (0-9).
#[derive(Clone, Debug, PartialEq)]
pub enum HeaderValue {
    Bool(bool),
    Byte(i8),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    Bytes(Vec<u8>),
    String(String),
    /// Milliseconds since the Unix epoch.
    Timestamp(i64),
    Uuid([u8; 16]),
}

/// One decoded frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub headers: Vec<(String, HeaderValue)>,
    pub payload: Vec<u8>,
}

impl Message {
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.headers.iter().find_map(|(n, v)| match v {
            HeaderValue::String(s) if n == name => Some(s.as_str()),
            _ => None,
        })
    }
}

fn corrupt(why: &str) -> FrameError {
    FrameError::Corrupt(why.to_string())
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Checks a prelude (12 bytes): its CRC and that the lengths can hold a message.
fn check_prelude(p: &[u8]) -> Result<(usize, usize), FrameError> {
    let total = be32(p) as usize;
    let headers = be32(&p[4..]) as usize;
    if crc32(&p[..8]) != be32(&p[8..]) {
        return Err(corrupt("prelude checksum mismatch"));
    }
    if total < 16 || headers > total - 16 {
        return Err(corrupt("impossible frame lengths"));
    }
    Ok((total, headers))
}

/// Decodes one whole frame (exactly `total_length` bytes).
pub fn decode_message(frame: &[u8]) -> Result<Message, FrameError> {
    if frame.len() < 16 {
        return Err(corrupt("a frame shorter than its prelude"));
    }
    let (total, hlen) = check_prelude(&frame[..12])?;
    if total != frame.len() {
        return Err(corrupt("frame length mismatch"));
    }
    if crc32(&frame[..total - 4]) != be32(&frame[total - 4..]) {
        return Err(corrupt("message checksum mismatch"));
    }
    let mut h = &frame[12..12 + hlen];
    let cut = || corrupt("a header is cut off");
    let take = |h: &mut &[u8], n: usize| -> Result<Vec<u8>, FrameError> {
        let (a, b) = h.split_at_checked(n).ok_or_else(cut)?;
        *h = b;
        Ok(a.to_vec())
    };
    let mut headers = Vec::new();
    while !h.is_empty() {
        let nlen = take(&mut h, 1)?[0] as usize;
        if nlen == 0 {
            return Err(corrupt("an empty header name"));
        }
        let name = String::from_utf8(take(&mut h, nlen)?)
            .map_err(|_| corrupt("a header name is not UTF-8"))?;
        let ty = take(&mut h, 1)?[0];
        let fixed = |h: &mut &[u8], n: usize| -> Result<i64, FrameError> {
            let (a, b) = h.split_at_checked(n).ok_or_else(cut)?;
            *h = b;
            let mut v: i64 = if a[0] & 0x80 != 0 { -1 } else { 0 };
            for &x in a {
                v = (v << 8) | x as i64;
            }
            Ok(v)
        };
        let value = match ty {
            0 => HeaderValue::Bool(true),
            1 => HeaderValue::Bool(false),
            2 => HeaderValue::Byte(fixed(&mut h, 1)? as i8),
            3 => HeaderValue::Int16(fixed(&mut h, 2)? as i16),
            4 => HeaderValue::Int32(fixed(&mut h, 4)? as i32),
            5 => HeaderValue::Int64(fixed(&mut h, 8)?),
            6 | 7 => {
                let len = fixed(&mut h, 2)? as u16 as usize;
                let bytes = take(&mut h, len)?;
                if ty == 6 {
                    HeaderValue::Bytes(bytes)
                } else {
                    HeaderValue::String(
                        String::from_utf8(bytes)
                            .map_err(|_| corrupt("a string header is not UTF-8"))?,
                    )
                }
            }
            8 => HeaderValue::Timestamp(fixed(&mut h, 8)?),
            9 => {
                let mut u = [0u8; 16];
                u.copy_from_slice(&take(&mut h, 16)?);
                HeaderValue::Uuid(u)
            }
            _ => return Err(corrupt("an unknown header type")),
        };
        headers.push((name, value));
    }
    Ok(Message {
        headers,
        payload: frame[12 + hlen..total - 4].to_vec(),
    })
}

/// The frame as the JSON text the stream parsers read: `{"<event-type>": payload}` for an
/// event, `{"<exception-type>": payload, "__exception": true}` for an exception, and for an
/// `error` frame `{"<error-code>": {"message": ...}, "__exception": true}`.
pub fn message_json(m: &Message) -> Result<String, FrameError> {
    let payload =
        core::str::from_utf8(&m.payload).map_err(|_| corrupt("a payload is not UTF-8"))?;
    let payload = if payload.trim().is_empty() {
        "{}"
    } else {
        payload
    };
    let mut out = String::with_capacity(payload.len() + 48);
    out.push('{');
    match m.header_str(":message-type").unwrap_or("event") {
        "exception" => {
            escape_into(
                &mut out,
                m.header_str(":exception-type").unwrap_or("exception"),
            );
            out.push(':');
            out.push_str(payload);
            out.push_str(",\"__exception\":true");
        }
        "error" => {
            escape_into(&mut out, m.header_str(":error-code").unwrap_or("error"));
            out.push_str(":{\"message\":");
            escape_into(&mut out, m.header_str(":error-message").unwrap_or(""));
            out.push_str("},\"__exception\":true");
        }
        _ => {
            escape_into(&mut out, m.header_str(":event-type").unwrap_or(""));
            out.push(':');
            out.push_str(payload);
        }
    }
    out.push('}');
    Ok(out)
}

/// The incremental decoder: holds at most one frame (or the prelude of one).
pub struct EventStreamDecoder {
    buf: Vec<u8>,
    /// The current frame's total length, once its prelude checked out.
    want: Option<usize>,
    max: usize,
    failed: bool,
}

impl EventStreamDecoder {
    pub fn with_max_event_size(max: usize) -> Self {
        EventStreamDecoder {
            buf: Vec::new(),
            want: None,
            max,
            failed: false,
        }
    }

    /// Feeds bytes, giving each whole frame to `on_frame`.
    pub fn feed_frames(
        &mut self,
        mut bytes: &[u8],
        on_frame: &mut dyn FnMut(&Message) -> Result<(), FrameError>,
    ) -> Result<(), FrameError> {
        if self.failed {
            return Err(corrupt("the stream already failed"));
        }
        let r = (|| {
            while !bytes.is_empty() {
                let goal = self.want.unwrap_or(12);
                let n = (goal - self.buf.len()).min(bytes.len());
                self.buf.extend_from_slice(&bytes[..n]);
                bytes = &bytes[n..];
                if self.buf.len() < goal {
                    break;
                }
                match self.want {
                    None => {
                        let (total, _) = check_prelude(&self.buf)?;
                        if total > self.max {
                            return Err(FrameError::TooLarge);
                        }
                        self.buf.reserve_exact(total - self.buf.len());
                        self.want = Some(total);
                    }
                    Some(_) => {
                        let m = decode_message(&self.buf)?;
                        self.buf.clear();
                        self.want = None;
                        on_frame(&m)?;
                    }
                }
            }
            Ok(())
        })();
        if r.is_err() {
            self.failed = true;
            self.buf = Vec::new();
        }
        r
    }
}

impl FrameDecoder for EventStreamDecoder {
    fn feed(&mut self, bytes: &[u8], on_event: &mut dyn FnMut(&str)) -> Result<(), FrameError> {
        self.feed_frames(bytes, &mut |m| {
            on_event(&message_json(m)?);
            Ok(())
        })
    }
    fn finish(&mut self, _on_event: &mut dyn FnMut(&str)) -> Result<(), FrameError> {
        if !self.buf.is_empty() && !self.failed {
            self.failed = true;
            return Err(corrupt("the stream ended inside a frame"));
        }
        Ok(())
    }
}
