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

/// Checks a whole frame (exactly `total_length` bytes): prelude, length and message CRC.
/// Returns its headers' bytes and its payload.
fn check_frame(frame: &[u8]) -> Result<(&[u8], &[u8]), FrameError> {
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
    Ok((&frame[12..12 + hlen], &frame[12 + hlen..total - 4]))
}

fn take<'a>(h: &mut &'a [u8], n: usize) -> Result<&'a [u8], FrameError> {
    let (a, b) = h
        .split_at_checked(n)
        .ok_or_else(|| corrupt("a header is cut off"))?;
    *h = b;
    Ok(a)
}

/// The next header of `h`, checked (a non-empty UTF-8 name, a known type, a value that fits,
/// UTF-8 for a string): its name, wire type (0-9) and value bytes (big-endian for numbers,
/// after the length for byte arrays and strings, none for booleans). One walker for both
/// the stream (which only reads string headers) and `decode_message`, so both reject the
/// same frames without the stream building every header's value.
fn next_header<'a>(h: &mut &'a [u8]) -> Result<(&'a str, u8, &'a [u8]), FrameError> {
    let nlen = take(h, 1)?[0] as usize;
    if nlen == 0 {
        return Err(corrupt("an empty header name"));
    }
    let name =
        core::str::from_utf8(take(h, nlen)?).map_err(|_| corrupt("a header name is not UTF-8"))?;
    let ty = take(h, 1)?[0];
    let value = match ty {
        0 | 1 => &[][..],
        2..=5 => take(h, 1 << (ty - 2))?,
        8 => take(h, 8)?,
        9 => take(h, 16)?,
        6 | 7 => {
            let len = take(h, 2)?;
            let v = take(h, (len[0] as usize) << 8 | len[1] as usize)?;
            if ty == 7 && core::str::from_utf8(v).is_err() {
                return Err(corrupt("a string header is not UTF-8"));
            }
            v
        }
        _ => return Err(corrupt("an unknown header type")),
    };
    Ok((name, ty, value))
}

/// A big-endian two's-complement integer of 1 to 8 bytes.
fn signed_be(a: &[u8]) -> i64 {
    let mut v: i64 = if a.first().is_some_and(|b| b & 0x80 != 0) {
        -1
    } else {
        0
    };
    for &x in a {
        v = (v << 8) | x as i64;
    }
    v
}

/// Decodes one whole frame (exactly `total_length` bytes) with every header's typed value.
pub fn decode_message(frame: &[u8]) -> Result<Message, FrameError> {
    let (mut h, payload) = check_frame(frame)?;
    let mut headers = Vec::new();
    while !h.is_empty() {
        let (name, ty, v) = next_header(&mut h)?;
        let value = match ty {
            0 => HeaderValue::Bool(true),
            1 => HeaderValue::Bool(false),
            2 => HeaderValue::Byte(signed_be(v) as i8),
            3 => HeaderValue::Int16(signed_be(v) as i16),
            4 => HeaderValue::Int32(signed_be(v) as i32),
            5 => HeaderValue::Int64(signed_be(v)),
            6 => HeaderValue::Bytes(v.to_vec()),
            7 => HeaderValue::String(String::from_utf8_lossy(v).into_owned()),
            8 => HeaderValue::Timestamp(signed_be(v)),
            _ => {
                let mut u = [0u8; 16];
                u.copy_from_slice(v);
                HeaderValue::Uuid(u)
            }
        };
        headers.push((name.to_string(), value));
    }
    Ok(Message {
        headers,
        payload: payload.to_vec(),
    })
}

/// The string headers the stream reads, in `json_of`'s order.
const READ: [&str; 5] = [
    ":message-type",
    ":exception-type",
    ":error-code",
    ":error-message",
    ":event-type",
];

/// A whole frame as the JSON text the stream parsers read, straight from its bytes (checked
/// as `decode_message` checks them): `{"<event-type>": payload}` for an event,
/// `{"<exception-type>": payload, "__exception": true}` for an exception, and for an `error`
/// frame `{"<error-code>": {"message": ...}, "__exception": true}`.
pub fn frame_json(frame: &[u8]) -> Result<String, FrameError> {
    let (mut h, payload) = check_frame(frame)?;
    let mut found: [Option<&str>; 5] = [None; 5];
    while !h.is_empty() {
        let (name, ty, v) = next_header(&mut h)?;
        if ty == 7 {
            if let Some(i) = READ.iter().position(|r| *r == name) {
                // The first of a repeated name wins, as `Message::header_str` finds it.
                found[i] = found[i].or(core::str::from_utf8(v).ok());
            }
        }
    }
    json_of(found, payload)
}

fn json_of(h: [Option<&str>; 5], payload: &[u8]) -> Result<String, FrameError> {
    let [message_type, exception_type, error_code, error_message, event_type] = h;
    let payload = core::str::from_utf8(payload).map_err(|_| corrupt("a payload is not UTF-8"))?;
    let payload = if payload.trim().is_empty() {
        "{}"
    } else {
        payload
    };
    let mut out = String::with_capacity(payload.len() + 48);
    out.push('{');
    match message_type.unwrap_or("event") {
        "exception" => {
            escape_into(&mut out, exception_type.unwrap_or("exception"));
            out.push(':');
            out.push_str(payload);
            out.push_str(",\"__exception\":true");
        }
        "error" => {
            escape_into(&mut out, error_code.unwrap_or("error"));
            out.push_str(":{\"message\":");
            escape_into(&mut out, error_message.unwrap_or(""));
            out.push_str("},\"__exception\":true");
        }
        _ => {
            escape_into(&mut out, event_type.unwrap_or(""));
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

    /// Feeds bytes, giving each whole frame, decoded, to `on_frame`.
    pub fn feed_frames(
        &mut self,
        bytes: &[u8],
        on_frame: &mut dyn FnMut(&Message) -> Result<(), FrameError>,
    ) -> Result<(), FrameError> {
        self.feed_raw(bytes, &mut |f| on_frame(&decode_message(f)?))
    }

    /// Feeds bytes, giving each whole frame's bytes (not yet checked past its prelude) to
    /// `on_frame`.
    fn feed_raw(
        &mut self,
        mut bytes: &[u8],
        on_frame: &mut dyn FnMut(&[u8]) -> Result<(), FrameError>,
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
                        let r = on_frame(&self.buf);
                        self.buf.clear();
                        self.want = None;
                        r?;
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
        self.feed_raw(bytes, &mut |f| {
            on_event(&frame_json(f)?);
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
