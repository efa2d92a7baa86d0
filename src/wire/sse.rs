//! An incremental, byte-level Server-Sent Events decoder (WHATWG "event stream" parsing).
//!
//! Bytes go in as the network delivers them, split anywhere: inside a line, between CR and
//! LF, inside a multi-byte UTF-8 character. Lines are only cut at ASCII CR/LF, so a character
//! is never split within a complete line. `data` lines of one event are joined with "\n";
//! a blank line dispatches the event. `finish()` dispatches a last event that had no blank
//! line after it (Azure ends some streams with `data: [DONE]` and no newline at all).

use super::scan::find_line_end;
use crate::prelude::*;
const BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Default)]
pub struct SseDecoder {
    /// Bytes of an unfinished line carried over from the previous `feed`.
    line: Vec<u8>,
    /// Data of the event being built.
    data: Vec<u8>,
    has_data: bool,
    /// The previous input ended in CR: a leading LF in the next input belongs to it.
    after_cr: bool,
    /// Whether the first bytes of the stream have been seen (to strip a UTF-8 BOM).
    started: bool,
    /// The most bytes one line, or one event's data, may take (None: no limit).
    max_event_size: Option<usize>,
    overflowed: bool,
}

impl SseDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A decoder that gives up on a stream whose lines or event data run past `max` bytes:
    /// it stops at the first such line or event, before buffering it, and `overflowed()`
    /// turns true. A line is checked as its bytes arrive, so a huge event costs at most
    /// about `max` bytes of buffer, however it is split.
    pub fn with_max_event_size(max: usize) -> Self {
        SseDecoder {
            max_event_size: Some(max),
            ..Self::default()
        }
    }

    /// Whether the size limit was exceeded; from then on `feed` and `finish` do nothing.
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// Feeds bytes; calls `on_event` with each complete event's data.
    pub fn feed(&mut self, mut input: &[u8], on_event: &mut dyn FnMut(&str)) {
        if self.overflowed {
            return;
        }
        if !self.started {
            // A UTF-8 BOM may open the stream, itself split across reads: hold the first
            // bytes until three are in hand.
            let take = input.len().min(3 - self.line.len());
            self.line.extend_from_slice(&input[..take]);
            input = &input[take..];
            if self.line.len() < 3 && BOM.starts_with(&self.line) {
                return;
            }
            self.started = true;
            let held = core::mem::take(&mut self.line);
            if held != BOM {
                self.feed(&held, on_event);
            }
            if self.overflowed {
                return;
            }
        }
        // (An empty read must not end the wait for that LF.)
        if self.after_cr && !input.is_empty() {
            self.after_cr = false;
            if let Some(rest) = input.strip_prefix(b"\n") {
                input = rest;
            }
        }
        // The data of an event whose only data line lies whole in `input`: dispatched from
        // the input itself, without copying (the common case on the stream path).
        let mut pending: Option<&[u8]> = None;
        let mut start = 0;
        while let Some(end) = find_line_end(input, start) {
            if self.too_big(self.line.len() + end - start) {
                return self.overflow();
            }
            if self.line.is_empty() {
                let line = &input[start..end];
                if line.is_empty() {
                    match pending.take() {
                        Some(data) => Self::emit(data, on_event),
                        None => self.dispatch(on_event),
                    }
                } else if let (Some(value), false, None) =
                    (data_value(line), self.has_data, pending)
                {
                    pending = Some(value);
                } else {
                    if let Some(data) = pending.take() {
                        self.push_data(data);
                    }
                    self.process_line(line, on_event);
                }
            } else {
                // (Only the first line of an input can continue a buffered one.)
                let mut line = core::mem::take(&mut self.line);
                line.extend_from_slice(&input[start..end]);
                self.process_line(&line, on_event);
                line.clear();
                self.line = line; // keep the allocation
            }
            if self.overflowed {
                return;
            }
            let mut next = end + 1;
            if input[end] == b'\r' {
                if next < input.len() {
                    if input[next] == b'\n' {
                        next += 1;
                    }
                } else {
                    self.after_cr = true;
                }
            }
            start = next;
        }
        if let Some(data) = pending {
            self.push_data(data);
        }
        if start < input.len() {
            if self.too_big(self.line.len() + input.len() - start) {
                return self.overflow();
            }
            self.line.extend_from_slice(&input[start..]);
        }
    }

    /// End of input: the last line and event count even without their terminators.
    pub fn finish(&mut self, on_event: &mut dyn FnMut(&str)) {
        if self.overflowed {
            return;
        }
        if !self.line.is_empty() {
            let line = core::mem::take(&mut self.line);
            if self.started || !BOM.starts_with(&line) {
                self.process_line(&line, on_event);
            }
        }
        self.dispatch(on_event);
        self.after_cr = false;
    }

    fn too_big(&self, len: usize) -> bool {
        self.max_event_size.is_some_and(|max| len > max)
    }

    /// Stops for good and lets the buffers go.
    fn overflow(&mut self) {
        self.overflowed = true;
        self.line = Vec::new();
        self.data = Vec::new();
        self.has_data = false;
    }

    fn push_data(&mut self, value: &[u8]) {
        let sep = usize::from(self.has_data);
        if self.too_big(self.data.len() + sep + value.len()) {
            return self.overflow();
        }
        if self.has_data {
            self.data.push(b'\n');
        }
        self.data.extend_from_slice(value);
        self.has_data = true;
    }

    fn process_line(&mut self, line: &[u8], on_event: &mut dyn FnMut(&str)) {
        if line.is_empty() {
            self.dispatch(on_event);
            return;
        }
        if line[0] == b':' {
            return; // comment (keep-alive)
        }
        let (field, value) = match line.iter().position(|&c| c == b':') {
            Some(p) => {
                let v = &line[p + 1..];
                (&line[..p], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        if field == b"data" {
            self.push_data(value);
        }
        // `event`, `id` and `retry` carry nothing Azure's chat stream uses.
    }

    fn dispatch(&mut self, on_event: &mut dyn FnMut(&str)) {
        if !self.has_data {
            return;
        }
        Self::emit(&self.data, on_event);
        self.data.clear();
        self.has_data = false;
    }

    fn emit(data: &[u8], on_event: &mut dyn FnMut(&str)) {
        match core::str::from_utf8(data) {
            Ok(s) => on_event(s),
            Err(_) => on_event(&String::from_utf8_lossy(data)),
        }
    }
}

/// The value of a `data` line (`data:` plus an optional space), or None for other lines.
fn data_value(line: &[u8]) -> Option<&[u8]> {
    let v = line.strip_prefix(b"data")?;
    if v.is_empty() {
        return Some(v);
    }
    let v = v.strip_prefix(b":")?;
    Some(v.strip_prefix(b" ").unwrap_or(v))
}

/// Decodes a whole body at once (tests and non-incremental callers).
pub fn decode_all(input: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut d = SseDecoder::new();
    d.feed(input, &mut |e| out.push(e.to_string()));
    d.finish(&mut |e| out.push(e.to_string()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_at_each(input: &[u8]) -> Vec<Vec<String>> {
        (0..=input.len())
            .map(|cut| {
                let mut out = Vec::new();
                let mut d = SseDecoder::new();
                d.feed(&input[..cut], &mut |e| out.push(e.to_string()));
                d.feed(&input[cut..], &mut |e| out.push(e.to_string()));
                d.finish(&mut |e| out.push(e.to_string()));
                out
            })
            .collect()
    }

    #[test]
    fn line_endings_comments_and_multiline_data() {
        let want = vec!["a".to_string(), "b\nc".to_string(), "[DONE]".to_string()];
        for body in [
            &b"data: a\n\n: keep-alive\n\ndata: b\ndata: c\n\ndata: [DONE]"[..],
            b"data: a\r\n\r\n:x\r\n\r\ndata:b\r\ndata: c\r\n\r\ndata: [DONE]\r\n\r\n",
            b"data: a\r\rdata: b\rdata: c\r\rdata: [DONE]\n",
            b"\xEF\xBB\xBFdata: a\n\nevent: x\ndata: b\ndata: c\nid: 1\n\ndata: [DONE]\n\n",
        ] {
            assert_eq!(
                decode_all(body),
                want,
                "{:?}",
                String::from_utf8_lossy(body)
            );
            for got in split_at_each(body) {
                assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn empty_data_and_trailing_spaces_pass_through() {
        // An empty `data:` line is an event with empty data (as in browsers); the value
        // keeps its trailing spaces. Neither may disturb the events around it.
        let body = b"data:\n\ndata: {\"a\":1}\ndata:\n\ndata\n\ndata: [DONE]   \r\n\r\n";
        let want = ["", "{\"a\":1}\n", "", "[DONE]   "]
            .map(String::from)
            .to_vec();
        assert_eq!(decode_all(body), want);
        for got in split_at_each(body) {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn an_event_over_the_limit_stops_the_decoder_before_it_is_buffered() {
        // 60 MB of one event arriving in 64 KiB reads, against a 1 MiB limit.
        let max = 1 << 20;
        let mut d = SseDecoder::with_max_event_size(max);
        let mut got = Vec::new();
        d.feed(b"data: small\n\ndata: ", &mut |e| got.push(e.to_string()));
        let chunk = vec![b'x'; 1 << 16];
        let mut fed = 0;
        while !d.overflowed() && fed < 60_000_000 {
            d.feed(&chunk, &mut |e| got.push(e.to_string()));
            fed += chunk.len();
            assert!(d.line.capacity() <= 2 * max && d.data.capacity() <= 2 * max);
        }
        assert!(d.overflowed());
        assert!(fed <= max + chunk.len(), "stopped after {fed} bytes");
        assert_eq!(got, ["small"]);
        d.feed(b"\n\ndata: later\n\n", &mut |e| got.push(e.to_string()));
        d.finish(&mut |e| got.push(e.to_string()));
        assert_eq!(got, ["small"], "nothing after an overflow");

        // The same limit whole or split anywhere; lines count as well as joined data.
        for (body, max, over) in [
            (&b"data: 12345\n\n"[..], 11, false),
            (b"data: 12345\n\n", 10, true), // the line, "data: 12345", is 11 bytes
            (b"data:123\ndata:456\n\n", 8, false),
            (b"data:123\ndata:456\n\n", 7, true), // "data:123" is 8 bytes
            (b"data:1\ndata:1\ndata:1\ndata:1\n\n", 7, false),
            (b"data:1\ndata:1\ndata:1\ndata:1\n\n", 6, true), // "1\n1\n1\n1" is 7
            (b": a comment past the limit\n\n", 10, true),
            (b"data: 123", 9, false),
            (b"data: 123", 8, true),
        ] {
            for cut in 0..=body.len() {
                let mut d = SseDecoder::with_max_event_size(max);
                d.feed(&body[..cut], &mut |_| ());
                d.feed(&body[cut..], &mut |_| ());
                d.finish(&mut |_| ());
                assert_eq!(d.overflowed(), over, "{body:?} max {max} cut {cut}");
            }
        }
        assert!(!SseDecoder::new().overflowed());
    }

    #[test]
    fn an_empty_read_between_cr_and_lf() {
        let mut got = Vec::new();
        let mut d = SseDecoder::new();
        for part in [&b"data: a\r"[..], b"", b"\ndata: b\r\n", b"", b"\r\n"] {
            d.feed(part, &mut |e| got.push(e.to_string()));
        }
        assert_eq!(got, ["a\nb"]);
    }

    #[test]
    fn utf8_split_inside_a_character() {
        let body = "data: héllo 🌍 日本\n\n".as_bytes();
        for got in split_at_each(body) {
            assert_eq!(got, vec!["héllo 🌍 日本".to_string()]);
        }
    }
}
