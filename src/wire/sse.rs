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
}

impl SseDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; calls `on_event` with each complete event's data.
    pub fn feed(&mut self, mut input: &[u8], on_event: &mut dyn FnMut(&str)) {
        if !self.started {
            // A UTF-8 BOM may open the stream, itself split across reads: hold the first
            // bytes until three are in hand.
            self.line.extend_from_slice(input);
            if self.line.len() < 3 && BOM.starts_with(&self.line) {
                return;
            }
            self.started = true;
            let mut all = core::mem::take(&mut self.line);
            if all.starts_with(BOM) {
                all.drain(..3);
            }
            self.feed(&all, on_event);
            return;
        }
        if self.after_cr {
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
                        self.data.extend_from_slice(data);
                        self.has_data = true;
                    }
                    self.process_line(line, on_event);
                }
            } else {
                if let Some(data) = pending.take() {
                    self.data.extend_from_slice(data);
                    self.has_data = true;
                }
                let mut line = core::mem::take(&mut self.line);
                line.extend_from_slice(&input[start..end]);
                self.process_line(&line, on_event);
                line.clear();
                self.line = line; // keep the allocation
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
            self.data.extend_from_slice(data);
            self.has_data = true;
        }
        if start < input.len() {
            self.line.extend_from_slice(&input[start..]);
        }
    }

    /// End of input: the last line and event count even without their terminators.
    pub fn finish(&mut self, on_event: &mut dyn FnMut(&str)) {
        if !self.line.is_empty() {
            let line = core::mem::take(&mut self.line);
            if self.started || !BOM.starts_with(&line) {
                self.process_line(&line, on_event);
            }
        }
        self.dispatch(on_event);
        self.after_cr = false;
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
            if self.has_data {
                self.data.push(b'\n');
            }
            self.data.extend_from_slice(value);
            self.has_data = true;
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
    fn utf8_split_inside_a_character() {
        let body = "data: héllo 🌍 日本\n\n".as_bytes();
        for got in split_at_each(body) {
            assert_eq!(got, vec!["héllo 🌍 日本".to_string()]);
        }
    }
}
