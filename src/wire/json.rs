//! A small JSON reader and writer, written for this crate's two needs: reading Azure's
//! stream chunks fast (a pull parser that borrows strings and skips what it does not ask
//! for, without building a tree), and keeping the wasm small (serde_json and derive code
//! were most of the module's size).
//!
//! The reader accepts exactly RFC 8259 JSON, in the values it skips as much as in those it
//! reads (tests/json_differential.rs checks it against serde_json). Escaped lone surrogates
//! become U+FFFD, as `JSON.parse` followed by `toWellFormed()` gives. Reading allocates only
//! for strings with escapes that the caller asks for.

use super::scan::{find_class, find_from, STRING_END};
use crate::prelude::*;
use alloc::borrow::Cow;

#[derive(Debug, Clone, PartialEq)]
pub struct JsonError {
    pub pos: usize,
    pub what: &'static str,
}

impl core::fmt::Display for JsonError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} at byte {}", self.what, self.pos)
    }
}

pub type JResult<T> = Result<T, JsonError>;

/// What the next value is, without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

/// A pull parser over one JSON text.
pub struct Json<'a> {
    s: &'a str,
    b: &'a [u8],
    pub pos: usize,
    depth: u32,
}

/// Open objects and arrays allowed at once (serde_json's limit too); skip() keeps one bit
/// per level in a u128, so this must stay below 128.
const MAX_DEPTH: u32 = 127;

impl<'a> Json<'a> {
    pub fn new(s: &'a str) -> Self {
        Json {
            s,
            b: s.as_bytes(),
            pos: 0,
            depth: 0,
        }
    }

    fn err<T>(&self, what: &'static str) -> JResult<T> {
        Err(JsonError {
            pos: self.pos,
            what,
        })
    }

    /// The next byte, or 0 at the end (0 is never valid JSON outside a string).
    #[inline(always)]
    fn peek(&self) -> u8 {
        self.b.get(self.pos).copied().unwrap_or(0)
    }

    #[inline(always)]
    fn ws(&mut self) {
        // Azure's chunks have no whitespace between tokens: check once before looping.
        if self.peek() > b' ' {
            return;
        }
        self.skip_ws();
    }

    #[inline(never)]
    fn skip_ws(&mut self) {
        self.pos = find_from(self.b, self.pos, |c| {
            !matches!(c, b' ' | b'\n' | b'\r' | b'\t')
        })
        .unwrap_or(self.b.len());
    }

    #[inline]
    pub fn kind(&mut self) -> JResult<Kind> {
        self.ws();
        match self.b.get(self.pos) {
            Some(b'n') => Ok(Kind::Null),
            Some(b't' | b'f') => Ok(Kind::Bool),
            Some(b'"') => Ok(Kind::String),
            Some(b'[') => Ok(Kind::Array),
            Some(b'{') => Ok(Kind::Object),
            Some(b'-' | b'0'..=b'9') => Ok(Kind::Number),
            Some(_) => self.err("unexpected character"),
            None => self.err("unexpected end"),
        }
    }

    #[inline]
    fn literal(&mut self, word: &'static [u8]) -> JResult<()> {
        if self.b.get(self.pos..).is_some_and(|r| r.starts_with(word)) {
            self.pos += word.len();
            Ok(())
        } else {
            self.err("invalid literal")
        }
    }

    /// Consumes a `null` if one is next.
    #[inline]
    pub fn null(&mut self) -> JResult<bool> {
        if self.kind()? == Kind::Null {
            self.literal(b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    pub fn bool(&mut self) -> JResult<bool> {
        self.ws();
        match self.b.get(self.pos) {
            Some(b't') => self.literal(b"true").map(|_| true),
            Some(b'f') => self.literal(b"false").map(|_| false),
            _ => self.err("expected a boolean"),
        }
    }

    /// The text of a number.
    fn number_text(&mut self) -> JResult<&'a str> {
        self.ws();
        let start = self.pos;
        self.number()?;
        Ok(self.text(start, self.pos))
    }

    /// Consumes a number: RFC 8259's `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> JResult<()> {
        self.pos += usize::from(self.peek() == b'-');
        let lead = self.peek();
        let int = self.digits();
        let mut ok = int == 1 || (int > 1 && lead != b'0');
        if self.peek() == b'.' {
            self.pos += 1;
            ok &= self.digits() > 0;
        }
        if matches!(self.peek(), b'e' | b'E') {
            self.pos += 1;
            self.pos += usize::from(matches!(self.peek(), b'+' | b'-'));
            ok &= self.digits() > 0;
        }
        if ok {
            Ok(())
        } else {
            self.err("invalid number")
        }
    }

    /// Consumes a run of ASCII digits; how many.
    fn digits(&mut self) -> usize {
        let from = self.pos;
        self.pos = find_from(self.b, from, |c| !c.is_ascii_digit()).unwrap_or(self.b.len());
        self.pos - from
    }

    /// A number as f64; one beyond f64's range is an error, not an infinity.
    pub fn f64(&mut self) -> JResult<f64> {
        let t = self.number_text()?;
        match parse_f64(t) {
            Some(v) if v.is_finite() => Ok(v),
            _ => self.err("number out of range"),
        }
    }

    /// A non-negative integer written as plain digits, as JSON.stringify and serde_json
    /// write integers; past u64::MAX it is an error, never a wrapped or rounded value.
    pub fn u64(&mut self) -> JResult<u64> {
        let t = self.number_text()?;
        parse_u64(t).map_or_else(|| self.err("expected a non-negative integer"), Ok)
    }

    pub fn i64(&mut self) -> JResult<i64> {
        let t = self.number_text()?;
        parse_i64(t).map_or_else(|| self.err("expected an integer"), Ok)
    }

    /// A string, borrowed from the input unless it has escapes.
    pub fn str(&mut self) -> JResult<Cow<'a, str>> {
        self.ws();
        if self.peek() != b'"' {
            return self.err("expected a string");
        }
        self.pos += 1;
        let start = self.pos;
        // Fast scan: most strings have no escapes.
        match find_class(self.b, start, STRING_END) {
            Some(n) if self.b[n] == b'"' => {
                self.pos = n + 1;
                return Ok(Cow::Borrowed(self.text(start, n)));
            }
            Some(n) if self.b[n] == b'\\' => self.pos = n,
            Some(n) => {
                self.pos = n;
                return self.err("control character in a string");
            }
            None => {
                self.pos = self.b.len();
                return self.err("unterminated string");
            }
        }
        let mut out = String::with_capacity(self.pos - start + 16);
        out.push_str(self.text(start, self.pos));
        loop {
            let run = self.pos;
            self.pos = find_class(self.b, run, STRING_END).unwrap_or(self.b.len());
            out.push_str(self.text(run, self.pos));
            match self.b.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let u = self.escape()?;
                    let mut c = char::from_u32(u);
                    // A high surrogate pairs only with a low one escaped right after it;
                    // otherwise it alone becomes U+FFFD and the next escape is read anew
                    // (so "\ud800\ud83d\ude00" keeps its emoji). Lone low ones: U+FFFD too.
                    if (0xD800..0xDC00).contains(&u) && self.b.get(self.pos) == Some(&b'\\') {
                        let at = self.pos;
                        self.pos += 1;
                        match self.escape() {
                            Ok(lo @ 0xDC00..=0xDFFF) => {
                                c = char::from_u32(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00))
                            }
                            _ => self.pos = at,
                        }
                    }
                    out.push(c.unwrap_or('\u{FFFD}'));
                }
                Some(_) => return self.err("control character in a string"),
                None => return self.err("unterminated string"),
            }
        }
    }

    /// The escape after a backslash (consumed): the UTF-16 code unit it stands for.
    fn escape(&mut self) -> JResult<u32> {
        let e = self.peek();
        let unit = match e {
            b'"' | b'\\' | b'/' => e,
            b'b' => 8,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                self.pos += 1;
                return self.hex4();
            }
            _ => return self.err("invalid escape"),
        };
        self.pos += 1;
        Ok(unit.into())
    }

    fn hex4(&mut self) -> JResult<u32> {
        let h = self.b.get(self.pos..self.pos + 4).ok_or(JsonError {
            pos: self.pos,
            what: "short \\u escape",
        })?;
        let mut v = 0u32;
        for &c in h {
            v = v * 16
                + match c {
                    b'0'..=b'9' => c - b'0',
                    b'a'..=b'f' => c - b'a' + 10,
                    b'A'..=b'F' => c - b'A' + 10,
                    _ => return self.err("invalid \\u escape"),
                } as u32;
        }
        self.pos += 4;
        Ok(v)
    }

    /// Walks an object; `f` gets each key and must consume its value.
    #[inline]
    pub fn obj(
        &mut self,
        mut f: impl FnMut(&mut Self, Cow<'a, str>) -> JResult<()>,
    ) -> JResult<()> {
        self.obj_dyn(&mut f)
    }

    // One copy of the loop for every caller: a generic copy per closure was a large share of
    // the wasm.
    fn obj_dyn(
        &mut self,
        f: &mut dyn FnMut(&mut Self, Cow<'a, str>) -> JResult<()>,
    ) -> JResult<()> {
        self.ws();
        if self.peek() != b'{' {
            return self.err("expected an object");
        }
        self.enter()?;
        self.pos += 1;
        self.ws();
        if self.peek() == b'}' {
            self.pos += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            let key = self.key()?;
            self.ws();
            if self.peek() != b':' {
                return self.err("expected ':'");
            }
            self.pos += 1;
            f(self, key)?;
            self.ws();
            match self.peek() {
                b',' => self.pos += 1,
                b'}' => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return self.err("expected ',' or '}'"),
            }
        }
    }

    /// An object key. Keys are plain ASCII on every wire this reads, so the common case is
    /// handled here, inline in the object loop; anything else goes through `str`.
    #[inline(always)]
    fn key(&mut self) -> JResult<Cow<'a, str>> {
        if self.peek() == b'"' {
            if let Some(n) = find_class(self.b, self.pos + 1, STRING_END) {
                if self.b[n] == b'"' {
                    let k = self.text(self.pos + 1, n);
                    self.pos = n + 1;
                    return Ok(Cow::Borrowed(k));
                }
            }
        }
        self.str()
    }

    /// Walks an array; `f` gets each index and must consume the element.
    #[inline]
    pub fn arr(&mut self, mut f: impl FnMut(&mut Self, usize) -> JResult<()>) -> JResult<()> {
        self.arr_dyn(&mut f)
    }

    fn arr_dyn(&mut self, f: &mut dyn FnMut(&mut Self, usize) -> JResult<()>) -> JResult<()> {
        self.ws();
        if self.peek() != b'[' {
            return self.err("expected an array");
        }
        self.enter()?;
        self.pos += 1;
        self.ws();
        if self.peek() == b']' {
            self.pos += 1;
            self.depth -= 1;
            return Ok(());
        }
        let mut i = 0;
        loop {
            f(self, i)?;
            i += 1;
            self.ws();
            match self.peek() {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(());
                }
                _ => return self.err("expected ',' or ']'"),
            }
        }
    }

    fn enter(&mut self) -> JResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("nested too deeply");
        }
        Ok(())
    }

    /// Skips one value of any kind, checking all of it as strictly as reading would
    /// (numbers, literals, escapes, brackets, commas and colons), without allocating. The
    /// stream path skips most of every chunk (content-filter results), so this is one flat
    /// loop rather than a recursion through the walkers.
    pub fn skip(&mut self) -> JResult<()> {
        // One bit per container open inside this value, innermost lowest: 1 for an object.
        let mut open: u128 = 0;
        let mut n: u32 = 0;
        // The string due is an object's key (then a ':' and its value follow).
        let mut key = false;
        loop {
            self.ws();
            match self.peek() {
                b'"' => self.skip_str()?,
                _ if key => return self.err("expected a string"),
                c @ (b'{' | b'[') => {
                    n += 1;
                    if self.depth + n > MAX_DEPTH {
                        return self.err("nested too deeply");
                    }
                    self.pos += 1;
                    open = open << 1 | u128::from(c == b'{');
                    self.ws();
                    // '{' + 2 is '}' and '[' + 2 is ']': empty containers close at once.
                    if self.peek() != c + 2 {
                        key = c == b'{';
                        continue;
                    }
                    self.pos += 1;
                    n -= 1;
                    open >>= 1;
                }
                c @ (b't' | b'f' | b'n') => {
                    // Four bytes compared at once: "true", "null", or "alse" after the 'f'.
                    let (at, word) = match c {
                        b't' => (0, b"true"),
                        b'n' => (0, b"null"),
                        _ => (1, b"alse"),
                    };
                    let p = self.pos + at;
                    let four = self
                        .b
                        .get(p..p + 4)
                        .and_then(|w| <[u8; 4]>::try_from(w).ok());
                    if four != Some(*word) {
                        return self.err("invalid literal");
                    }
                    self.pos = p + 4;
                }
                b'-' | b'0'..=b'9' => self.number()?,
                _ if self.pos >= self.b.len() => return self.err("unexpected end"),
                _ => return self.err("unexpected character"),
            }
            if key {
                key = false;
                self.ws();
                if self.peek() != b':' {
                    return self.err("expected ':'");
                }
                self.pos += 1;
                continue;
            }
            // After a value: close containers until one takes a next member or element.
            loop {
                if n == 0 {
                    return Ok(());
                }
                self.ws();
                let obj = open & 1 != 0;
                match (self.peek(), obj) {
                    (b',', _) => {
                        self.pos += 1;
                        key = obj;
                        break;
                    }
                    (b'}', true) | (b']', false) => {
                        self.pos += 1;
                        n -= 1;
                        open >>= 1;
                    }
                    (_, true) => return self.err("expected ',' or '}'"),
                    _ => return self.err("expected ',' or ']'"),
                }
            }
        }
    }

    /// Skips a string (at its opening quote). Escape-free strings (nearly all of them on
    /// the wire) end at the first class hit; the rest go through the checking loop.
    #[inline(always)]
    fn skip_str(&mut self) -> JResult<()> {
        if let Some(end) = find_class(self.b, self.pos + 1, STRING_END) {
            if self.b[end] == b'"' {
                self.pos = end + 1;
                return Ok(());
            }
        }
        self.skip_escaped_str()
    }

    #[inline(never)]
    fn skip_escaped_str(&mut self) -> JResult<()> {
        self.pos += 1;
        loop {
            match find_class(self.b, self.pos, STRING_END) {
                Some(n) if self.b[n] == b'"' => {
                    self.pos = n + 1;
                    return Ok(());
                }
                Some(n) if self.b[n] == b'\\' => {
                    self.pos = n + 1;
                    self.escape()?;
                }
                Some(n) => {
                    self.pos = n;
                    return self.err("control character in a string");
                }
                None => {
                    self.pos = self.b.len();
                    return self.err("unterminated string");
                }
            }
        }
    }

    /// The input between two positions the parser found. Both sit next to ASCII bytes, so
    /// they are char boundaries; `get` keeps core's slicing panic (and its formatting code)
    /// out of the wasm.
    #[inline(always)]
    fn text(&self, from: usize, to: usize) -> &'a str {
        self.s.get(from..to).unwrap_or("")
    }

    /// Skips one value and returns its exact text (to pass JSON through untouched).
    pub fn raw(&mut self) -> JResult<&'a str> {
        self.ws();
        let start = self.pos;
        self.skip()?;
        Ok(self.text(start, self.pos))
    }

    /// Only whitespace may follow the value.
    pub fn end(&mut self) -> JResult<()> {
        self.ws();
        if self.pos == self.b.len() {
            Ok(())
        } else {
            self.err("unexpected text after the value")
        }
    }
}

/// Appends JSON to a String.
#[derive(Default)]
pub struct JsonWriter {
    out: String,
    /// Per open object/array: whether a member or element was written (a comma is due).
    comma: Vec<bool>,
    /// A key was just written: the next value takes no comma.
    after_key: bool,
}

impl JsonWriter {
    pub fn new() -> Self {
        Self::default()
    }

    fn value_sep(&mut self) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if let Some(c) = self.comma.last_mut() {
            if *c {
                self.out.push(',');
            }
            *c = true;
        }
    }

    pub fn begin_obj(&mut self) -> &mut Self {
        self.value_sep();
        self.out.push('{');
        self.comma.push(false);
        self
    }

    pub fn end_obj(&mut self) -> &mut Self {
        self.out.push('}');
        self.comma.pop();
        self
    }

    pub fn begin_arr(&mut self) -> &mut Self {
        self.value_sep();
        self.out.push('[');
        self.comma.push(false);
        self
    }

    pub fn end_arr(&mut self) -> &mut Self {
        self.out.push(']');
        self.comma.pop();
        self
    }

    /// A member's key; its value follows with one of the value methods.
    pub fn key(&mut self, k: &str) -> &mut Self {
        self.value_sep();
        escape_into(&mut self.out, k);
        self.out.push(':');
        self.after_key = true;
        self
    }

    pub fn str(&mut self, v: &str) -> &mut Self {
        self.value_sep();
        escape_into(&mut self.out, v);
        self
    }

    pub fn num(&mut self, v: f64) -> &mut Self {
        self.value_sep();
        write_f64(&mut self.out, v);
        self
    }

    pub fn uint(&mut self, v: u64) -> &mut Self {
        self.value_sep();
        write_u64(&mut self.out, v);
        self
    }

    pub fn int(&mut self, v: i64) -> &mut Self {
        self.value_sep();
        if v < 0 {
            self.out.push('-');
        }
        write_u64(&mut self.out, v.unsigned_abs());
        self
    }

    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.value_sep();
        self.out.push_str(if v { "true" } else { "false" });
        self
    }

    #[inline]
    pub fn null(&mut self) -> &mut Self {
        self.value_sep();
        self.out.push_str("null");
        self
    }

    /// Already-valid JSON text, inserted as a value.
    pub fn raw(&mut self, json: &str) -> &mut Self {
        self.value_sep();
        self.out.push_str(json);
        self
    }

    /// Optional members, written only when present.
    pub fn opt_str(&mut self, k: &str, v: Option<&str>) -> &mut Self {
        if let Some(v) = v {
            self.key(k).str(v);
        }
        self
    }

    pub fn opt_uint(&mut self, k: &str, v: Option<u64>) -> &mut Self {
        if let Some(v) = v {
            self.key(k).uint(v);
        }
        self
    }

    pub fn opt_num(&mut self, k: &str, v: Option<f64>) -> &mut Self {
        if let Some(v) = v {
            self.key(k).num(v);
        }
        self
    }

    pub fn finish(self) -> String {
        self.out
    }
}

pub fn escape_into(out: &mut String, s: &str) {
    out.push('"');
    let b = s.as_bytes();
    let mut run = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc = match c {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(s.get(run..i).unwrap_or(""));
        if esc.is_empty() {
            out.push_str("\\u00");
            out.push(HEX[(c >> 4) as usize] as char);
            out.push(HEX[(c & 15) as usize] as char);
        } else {
            out.push_str(esc);
        }
        run = i + 1;
    }
    out.push_str(s.get(run..).unwrap_or(""));
    out.push('"');
}

const HEX: &[u8; 16] = b"0123456789abcdef";

pub fn write_u64(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &c in &buf[i..] {
        out.push(c as char);
    }
}

/// Numbers the library writes are latencies, prices, sampling values and token counts:
/// integers exactly, others with up to 6 decimals (enough for all of them; it keeps the
/// float-formatting machinery out of the wasm). Non-finite values become null.
/// Plain decimal digits as a u64 (None on anything else, a '+' included, or on overflow).
/// `str::parse::<u64>` without its generic machinery.
pub fn parse_u64(t: &str) -> Option<u64> {
    if t.is_empty() {
        return None;
    }
    t.bytes().try_fold(0u64, |v, c| {
        let d = c.wrapping_sub(b'0');
        (d < 10).then_some(())?;
        v.checked_mul(10)?.checked_add(u64::from(d))
    })
}

/// An optional '-' and decimal digits as an i64 (None on anything else or out of range).
pub fn parse_i64(t: &str) -> Option<i64> {
    match t.strip_prefix('-') {
        Some(digits) => 0i64.checked_sub_unsigned(parse_u64(digits)?),
        None => i64::try_from(parse_u64(t)?).ok(),
    }
}

/// A decimal number (`-12.5e3`; no `inf`/`NaN`). Exact, like `str::parse`, whenever the
/// digits fit in 2^53 and the exponent in ±22 (every parameter value people write);
/// otherwise within a few ulps (6 at most in 2 million random numbers with exponents from
/// -330 to 310; tests/json_differential.rs allows 8). Replaces core's parser, 4 KB of wasm, for values that are
/// only range-checked and echoed with six decimals.
pub fn parse_f64(t: &str) -> Option<f64> {
    let b = t.as_bytes();
    let neg = b.first() == Some(&b'-');
    let mut i = usize::from(neg || b.first() == Some(&b'+'));
    let (mut mant, mut exp, mut digits) = (0u64, 0i32, 0);
    let mut frac = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => {
                digits += 1;
                if mant < 100_000_000_000_000_000 {
                    mant = mant * 10 + u64::from(c - b'0');
                    exp -= i32::from(frac);
                } else {
                    exp += i32::from(!frac);
                }
            }
            b'.' if !frac => frac = true,
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        let eneg = b.get(i) == Some(&b'-');
        i += usize::from(eneg || b.get(i) == Some(&b'+'));
        let (mut e, mut any) = (0i32, false);
        while let Some(&c @ b'0'..=b'9') = b.get(i) {
            e = (e * 10 + i32::from(c - b'0')).min(10_000);
            any = true;
            i += 1;
        }
        if !any {
            return None;
        }
        exp += if eneg { -e } else { e };
    }
    if i != b.len() {
        return None;
    }
    let mut v = mant as f64;
    // Steps of 1e22 (exact in f64) so large exponents neither overflow early nor lose
    // more than a few ulps.
    while mant != 0 && exp != 0 && v != 0.0 && v.is_finite() {
        let step = exp.clamp(-22, 22);
        let p = POW10[step.unsigned_abs() as usize];
        v = if step < 0 { v / p } else { v * p };
        exp -= step;
    }
    Some(if neg { -v } else { v })
}

/// 10^0 ..= 10^22, every one exact in f64.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

pub fn write_f64(out: &mut String, v: f64) {
    if !v.is_finite() {
        out.push_str("null");
        return;
    }
    // (Float methods like abs/fract/round are std-only; the package's wasm has no std.)
    let neg = v < 0.0;
    let a = if neg { -v } else { v };
    if a < 9.0e15 && a == (a as u64) as f64 {
        if neg {
            out.push('-');
        }
        write_u64(out, a as u64);
        return;
    }
    // Twelve decimals below a million (costs in USD are often millionths), six above, so the
    // scaled value always fits a u64.
    let (unit, places) = if a < 1e6 { (1e12, 12) } else { (1e6, 6) };
    let scaled = (a * unit + 0.5) as u64;
    if neg && scaled != 0 {
        out.push('-');
    }
    let div = unit as u64;
    write_u64(out, scaled / div);
    let mut frac = scaled % div;
    if frac == 0 {
        return;
    }
    out.push('.');
    let mut digits = [b'0'; 12];
    let digits = &mut digits[..places];
    for d in digits.iter_mut().rev() {
        *d = b'0' + (frac % 10) as u8;
        frac /= 10;
    }
    let keep = digits.iter().rposition(|&d| d != b'0').map_or(0, |p| p + 1);
    for &d in &digits[..keep] {
        out.push(d as char);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_the_standard_parser() {
        for t in [
            "0",
            "-0",
            "1",
            "0.7",
            "2",
            "1.0",
            "0.95",
            "-2.5",
            "1e3",
            "2.5E-3",
            "123456789.125",
            "1.5e308",
            "1e-300",
            "12345678901234567890123",
            "0.000001",
            "+4",
        ] {
            let want: f64 = t.parse().unwrap();
            let got = parse_f64(t).unwrap();
            assert!(
                (got - want).abs() <= want.abs() * 4e-16,
                "{t}: {got} vs {want}"
            );
        }
        // Exact in the range parameters live in.
        for t in ["0.7", "0.1", "1.9", "0.95", "123.456", "1e-7"] {
            assert_eq!(parse_f64(t), t.parse().ok(), "{t}");
        }
        assert_eq!(parse_f64("1e400"), Some(f64::INFINITY));
        for t in [
            "0",
            "7",
            "18446744073709551615",
            "18446744073709551616",
            "",
            "-1",
            "1.0",
            "1 ",
        ] {
            assert_eq!(parse_u64(t), t.parse().ok(), "{t:?}");
        }
        // Stricter than core on purpose: JSON numbers never carry a '+'.
        assert_eq!(parse_u64("+1"), None);
        for t in [
            "0",
            "-0",
            "-9223372036854775808",
            "9223372036854775807",
            "9223372036854775808",
            "-9223372036854775809",
            "-",
            "--1",
            "3",
        ] {
            assert_eq!(parse_i64(t), t.parse().ok(), "{t:?}");
        }
        assert_eq!(parse_f64("1e-400"), Some(0.0));
        for t in ["", "-", ".", "1e", "1x", "inf", "NaN", "1.2.3"] {
            assert_eq!(parse_f64(t), None, "{t:?}");
        }
    }

    #[test]
    fn reads_what_it_is_asked_and_skips_the_rest() {
        let mut p = Json::new(
            r#" {"a": [1, 2.5e1, -3], "b": {"x": "y\n\u00e9\ud83c\udf0d"}, "c": null, "d": true, "e": "plain"} "#,
        );
        let mut got = Vec::new();
        p.obj(|p, k| {
            match k.as_ref() {
                "a" => p.arr(|p, _| {
                    got.push(p.f64()?.to_string());
                    Ok(())
                })?,
                "b" => p.obj(|p, _| {
                    got.push(p.str()?.into_owned());
                    Ok(())
                })?,
                "e" => got.push(p.str()?.into_owned()),
                _ => p.skip()?,
            }
            Ok(())
        })
        .unwrap();
        p.end().unwrap();
        assert_eq!(got, vec!["1", "25", "-3", "y\né🌍", "plain"]);
        // A full walk (obj/arr) and skip both check structure everywhere.
        fn walk(p: &mut Json) -> JResult<()> {
            match p.kind()? {
                Kind::Array => p.arr(|p, _| walk(p)),
                Kind::Object => p.obj(|p, _| walk(p)),
                _ => p.skip(),
            }
        }
        for bad in [
            "{",
            "[1,]",
            "{\"a\" 1}",
            "tru",
            "01x",
            "{\"a\":1} x",
            "\"a\u{1}\"",
        ] {
            let mut p = Json::new(bad);
            assert!(walk(&mut p).and_then(|_| p.end()).is_err(), "{bad}");
        }
        for bad in ["{", "[", "[\"]", "{\"a\":1} x", "\"a\u{1}\""] {
            let mut p = Json::new(bad);
            assert!(p.skip().and_then(|_| p.end()).is_err(), "skip {bad}");
        }
        let deep = "[".repeat(1000);
        assert!(walk(&mut Json::new(&deep)).is_err());
        assert!(Json::new(&deep).skip().is_err());
    }

    /// Reads a value in full through the walkers, or only skips it: both must judge it.
    fn judge(text: &str) -> [bool; 2] {
        fn walk(p: &mut Json) -> JResult<()> {
            match p.kind()? {
                Kind::Array => p.arr(|p, _| walk(p)),
                Kind::Object => p.obj(|p, _| walk(p)),
                Kind::String => p.str().map(drop),
                Kind::Number => p.f64().map(drop),
                _ => p.skip(),
            }
        }
        let mut a = Json::new(text);
        let mut b = Json::new(text);
        [
            walk(&mut a).and_then(|_| a.end()).is_ok(),
            b.skip().and_then(|_| b.end()).is_ok(),
        ]
    }

    #[test]
    fn rfc_8259_inside_skipped_values_too() {
        for bad in [
            "01",
            "-01",
            "00",
            "-",
            "1.",
            ".5",
            "1e",
            "1e+",
            "+1",
            "1.e3",
            "0x1",
            "-a",
            "[01]",
            "[-]",
            "[1.]",
            "{\"a\":1e}",
            "[}",
            "{]",
            "[[]}",
            "{\"a\":[}}",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "[1,]",
            "[,1]",
            "{,}",
            "{1:2}",
            "{\"a\"}",
            "{\"a\":}",
            "[tru]",
            "[nul]",
            "[True]",
            "{{}:1}",
            "{null:1}",
            "[1:2]",
            "[\"\\x\"]",
            "[\"\\u12\"]",
            "[\"\\u12g4\"]",
            "[\"a\u{1f}\"]",
            "[\"a\u{0}\"]",
            "[\"\\\"]",
            "{\"a\u{1}\":1}",
            "[1]]",
            "[",
            "",
        ] {
            assert_eq!(judge(bad), [false, false], "{bad:?}");
        }
        for good in [
            "0",
            "-0",
            "0.5",
            "-0.0e-0",
            "1e01",
            "1E+2",
            "[]",
            "{}",
            " [ { } , [ ] ] ",
            "{\"a\":[1,{\"b\":null}],\"c\":\"\\u00e9\\n\\/\"}",
            "[\"\u{7f}\"]",
            "\"\\ud800\"",
            "[true,false,null]",
        ] {
            assert_eq!(judge(good), [true, true], "{good:?}");
        }
        // 127 levels are allowed (serde_json's limit as well), 128 are not, skipped or read.
        let nest = |n: usize| "[".repeat(n) + &"]".repeat(n);
        assert_eq!(judge(&nest(127)), [true, true]);
        assert_eq!(judge(&nest(128)), [false, false]);
        // The limit counts the levels the walkers opened before skipping.
        let mut p = Json::new("[[[]]]");
        p.arr(|p, _| p.skip()).unwrap();
        let deep = nest(128);
        let mut p = Json::new(&deep);
        assert!(p.arr(|p, _| p.skip()).is_err());
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        for (json, want) in [
            (r#""\ud800\ud83d\ude00""#, "\u{FFFD}😀"),
            (r#""\ud83d\ude00""#, "😀"),
            (r#""\udc00""#, "\u{FFFD}"),
            (r#""\ude00\ud83d""#, "\u{FFFD}\u{FFFD}"),
            (r#""a\ud800b""#, "a\u{FFFD}b"),
            (r#""\ud800\n""#, "\u{FFFD}\n"),
            (r#""\ud800\u0041""#, "\u{FFFD}A"),
            (r#""\ud800""#, "\u{FFFD}"),
            (r#""\uD83D\uDE00\uDBFF\uDFFF""#, "😀\u{10FFFF}"),
        ] {
            assert_eq!(Json::new(json).str().unwrap(), want, "{json}");
        }
        // A bad escape after a high surrogate is still an error.
        assert!(Json::new(r#""\ud800\u12x4""#).str().is_err());
        assert!(Json::new(r#""\ud800\q""#).str().is_err());
    }

    #[test]
    fn integers_are_exact_or_errors() {
        let u = |t: &str| Json::new(t).u64().ok();
        assert_eq!(u("18446744073709551615"), Some(u64::MAX));
        assert_eq!(u("0"), Some(0));
        for t in [
            "18446744073709551616",
            "99999999999999999999",
            "1e2",
            "1.0",
            "-0",
            "-1",
        ] {
            assert_eq!(u(t), None, "{t}");
        }
        let f = |t: &str| Json::new(t).f64().ok();
        assert_eq!(f("1e400"), None);
        assert_eq!(f("-1e400"), None);
        assert_eq!(f("1e-400"), Some(0.0));
        // (Within a few ulps at extreme exponents; see parse_f64.)
        assert!(f("1.7e308").is_some_and(|v| (v / 1.7e308 - 1.0).abs() < 1e-15));
        let i = |t: &str| Json::new(t).i64().ok();
        assert_eq!(i("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(i("9223372036854775808"), None);
    }

    #[test]
    fn writes_valid_json() {
        let mut w = JsonWriter::new();
        w.begin_obj()
            .key("s")
            .str("a\"b\\c\n\u{1}é")
            .key("n")
            .num(0.25)
            .key("i")
            .num(3.0)
            .key("a")
            .begin_arr();
        w.uint(1).int(-2).null().bool(true).begin_obj().end_obj();
        w.end_arr().key("r").raw("{\"x\":1}").end_obj();
        assert_eq!(
            w.finish(),
            r#"{"s":"a\"b\\c\n\u0001é","n":0.25,"i":3,"a":[1,-2,null,true,{}],"r":{"x":1}}"#
        );
        let mut s = String::new();
        write_f64(&mut s, 1234.5678901);
        assert_eq!(s, "1234.5678901");
        // Costs in USD: millionths keep their digits.
        for (v, want) in [
            (0.0000625, "0.0000625"),
            (0.00092735, "0.00092735"),
            (2.5e6 + 0.25, "2500000.25"),
        ] {
            s.clear();
            write_f64(&mut s, v);
            assert_eq!(s, want);
        }
    }
}
