#![cfg(not(target_arch = "wasm32"))]
//! Differential tests of the wire readers against independent references.
//!
//! JSON: generated values (every escape, surrogate pairs and lone surrogates, random
//! Unicode, numbers in every form, deep nesting) and corrupted variants of them, read by the
//! crate's pull reader three ways (a full tree through the public walkers, `skip`, and the
//! walkers skipping part of it), against serde_json and against RFC 8259's grammar.
//! SSE: random event streams, split at random points, through `SseDecoder` against a plain
//! reading of the WHATWG event-stream rules, with and without a maximum event size.
//!
//! Defaults: 5,000 cases per property (three properties), about 4 s for the file in a
//! debug `cargo test` on the 2-core dev machine. The long runs there:
//!
//!     PROPTEST_CASES=200000 cargo test --release --test json_differential    # 12 s
//!     PROPTEST_CASES=1000000 cargo test --release --test json_differential   # 66 s
//!
//! both with 0 mismatches (plus about 15 s to build). Against the reader as it was before
//! (commit 916f6d6) the first cases fail: `skip` took `{{]]`, bad numbers and bad escapes
//! inside skipped values. The SSE property found that an empty read between a CR and its
//! LF turned the LF into a blank line (an early dispatch); fixed in src/wire/sse.rs.

use llm_edge::wire::json::{JResult, Json, JsonWriter, Kind};
use llm_edge::wire::sse::SseDecoder;
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---- generated JSON

#[derive(Debug, Clone)]
enum Piece {
    /// A character written as itself.
    Raw(char),
    /// A two-character escape: one of `"\/bfnrt`.
    Short(u8),
    /// `\uXXXX` of any UTF-16 unit (lone surrogates included), upper- or lowercase hex.
    Unit(u16, bool),
    /// A surrogate pair written as two escapes.
    Pair(char),
}

#[derive(Debug, Clone)]
enum G {
    Null,
    Bool(bool),
    Num(String),
    Str(Vec<Piece>),
    Arr(Vec<G>),
    Obj(Vec<(Vec<Piece>, G)>),
    /// An object whose keys are any values: invalid unless every key is a string.
    AnyKeys(Vec<(G, G)>),
}

fn piece() -> impl Strategy<Value = Piece> {
    prop_oneof![
        // (Mapped rather than filtered: filters run out of tries in long runs.)
        4 => any::<char>()
            .prop_map(|c| if c < ' ' || c == '"' || c == '\\' { 'é' } else { c })
            .prop_map(Piece::Raw),
        3 => proptest::char::range(' ', '~')
            .prop_map(|c| if c == '"' || c == '\\' { '~' } else { c })
            .prop_map(Piece::Raw),
        2 => proptest::sample::select(&b"\"\\/bfnrt"[..]).prop_map(Piece::Short),
        2 => (any::<u16>(), any::<bool>()).prop_map(|(u, up)| Piece::Unit(u, up)),
        2 => (0xD800u16..0xE000, any::<bool>()).prop_map(|(u, up)| Piece::Unit(u, up)),
        1 => (0u16..0x20, any::<bool>()).prop_map(|(u, up)| Piece::Unit(u, up)),
        2 => proptest::char::range('\u{10000}', '\u{10FFFF}').prop_map(Piece::Pair),
    ]
}

fn string() -> impl Strategy<Value = Vec<Piece>> {
    vec(piece(), 0..10)
}

/// Number text in every form JSON allows, plus values at and past the edges of u64, i64
/// and f64.
fn number() -> impl Strategy<Value = String> {
    let digits = |n: usize| proptest::string::string_regex(&format!("[0-9]{{1,{n}}}")).unwrap();
    let int = prop_oneof![
        Just("0".to_string()),
        proptest::string::string_regex("[1-9][0-9]{0,24}").unwrap(),
    ];
    let frac = proptest::option::of(digits(20));
    let exp = proptest::option::of((
        proptest::sample::select(&["e", "E"][..]),
        proptest::sample::select(&["", "+", "-"][..]),
        prop_oneof![
            digits(2),
            digits(3),
            Just("308".to_string()),
            Just("0".into())
        ],
    ));
    let general = (any::<bool>(), int, frac, exp).prop_map(|(neg, i, f, e)| {
        let mut t = if neg { format!("-{i}") } else { i };
        if let Some(f) = f {
            t = format!("{t}.{f}");
        }
        if let Some((e, sign, d)) = e {
            t = format!("{t}{e}{sign}{d}");
        }
        t
    });
    prop_oneof![
        4 => general,
        2 => any::<i64>().prop_map(|v| v.to_string()),
        2 => any::<u64>().prop_map(|v| v.to_string()),
        2 => {
            use proptest::num::f64::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
            (POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO).prop_map(|f| {
                if f.to_bits() & 1 == 0 { format!("{f:e}") } else { format!("{f:?}") }
            })
        },
        2 => proptest::sample::select(&[
            "0", "-0", "-0.0", "0e0", "-0E-0", "1E+2", "0.000001", "1e-7",
            "18446744073709551615", "18446744073709551616", "99999999999999999999",
            "9223372036854775807", "9223372036854775808", "-9223372036854775808",
            "-9223372036854775809", "9007199254740993", "123456789012345678901234567890",
            "1.7976931348623157e308", "-1.7976931348623157e308", "1.7e308", "2e308", "1e309",
            "-1e400", "2.2250738585072014e-308", "2.2250738585072011e-308", "4.9e-324",
            "5e-324", "2e-324", "1e-400", "-1e-400", "0e99999", "1e0000000000000000000001",
        ][..])
        .prop_map(String::from),
    ]
}

fn leaf() -> impl Strategy<Value = G> {
    prop_oneof![
        1 => Just(G::Null),
        1 => any::<bool>().prop_map(G::Bool),
        3 => number().prop_map(G::Num),
        3 => string().prop_map(G::Str),
    ]
}

fn value() -> impl Strategy<Value = G> {
    let tree = leaf().prop_recursive(6, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(G::Arr),
            vec((string(), inner.clone()), 0..6).prop_map(G::Obj),
            vec((inner.clone(), inner), 1..3).prop_map(G::AnyKeys),
        ]
    });
    // Nesting around the reader's (and serde_json's) limit of 127 open containers.
    let deep = (120usize..132, any::<u64>(), leaf()).prop_map(|(depth, kinds, mut v)| {
        for level in 0..depth {
            v = if kinds.rotate_left(level as u32) & 1 == 0 {
                G::Arr(vec![v])
            } else {
                G::Obj(vec![(vec![Piece::Raw('k')], v)])
            };
        }
        v
    });
    prop_oneof![9 => tree, 1 => deep]
}

/// A tiny xorshift for the whitespace between tokens (seeded by the case).
struct Ws(u64);

impl Ws {
    fn next(&mut self) -> &'static str {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        match self.0 % 16 {
            0 => " ",
            1 => "\n",
            2 => "\t",
            3 => "\r\n  ",
            _ => "",
        }
    }
}

fn render_str(out: &mut String, s: &[Piece]) {
    out.push('"');
    for p in s {
        match p {
            Piece::Raw(c) => out.push(*c),
            Piece::Short(c) => {
                out.push('\\');
                out.push(*c as char);
            }
            Piece::Unit(u, up) if *up => out.push_str(&format!("\\u{u:04X}")),
            Piece::Unit(u, _) => out.push_str(&format!("\\u{u:04x}")),
            Piece::Pair(c) => {
                let mut units = [0; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
        }
    }
    out.push('"');
}

fn render(out: &mut String, v: &G, ws: &mut Ws) {
    out.push_str(ws.next());
    match v {
        G::Null => out.push_str("null"),
        G::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        G::Num(t) => out.push_str(t),
        G::Str(s) => render_str(out, s),
        G::Arr(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                render(out, item, ws);
            }
            out.push_str(ws.next());
            out.push(']');
        }
        G::Obj(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(ws.next());
                render_str(out, k);
                out.push_str(ws.next());
                out.push(':');
                render(out, item, ws);
            }
            out.push_str(ws.next());
            out.push('}');
        }
        G::AnyKeys(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                render(out, k, ws);
                out.push(':');
                render(out, item, ws);
            }
            out.push('}');
        }
    }
    out.push_str(ws.next());
}

#[derive(Debug, Clone)]
enum Damage {
    Truncate(f64),
    Replace(f64, u8),
    Insert(f64, u8),
    Delete(f64),
    BadNumber(f64, &'static str),
}

/// Bytes that make or break JSON structure (all ASCII, so the text stays UTF-8).
const NOISE: &[u8] = b"{}[]\",:\\-+.0123456789eEtfnu \x01\x1f\x7fx/";

fn damage() -> impl Strategy<Value = Damage> {
    let at = 0.0..1.0f64;
    prop_oneof![
        at.clone().prop_map(Damage::Truncate),
        (at.clone(), proptest::sample::select(NOISE)).prop_map(|(a, b)| Damage::Replace(a, b)),
        (at.clone(), proptest::sample::select(NOISE)).prop_map(|(a, b)| Damage::Insert(a, b)),
        at.clone().prop_map(Damage::Delete),
        (
            at,
            proptest::sample::select(
                &[
                    "01", "-", "1.", ".5", "1e", "1e+", "+1", "-01", "00", "1.e5", "0x1", "--1",
                    "1..2", "Infinity", "NaN", "-.5", "1e5.5",
                ][..]
            )
        )
            .prop_map(|(a, t)| Damage::BadNumber(a, t)),
    ]
}

fn apply(text: &str, d: &Damage) -> String {
    // Positions are moved down to a character boundary, so the result stays UTF-8.
    let at = |f: f64| {
        let mut i = ((text.len() as f64) * f) as usize;
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let next = |i: usize| text[i..].chars().next().map_or(i, |c| i + c.len_utf8());
    match *d {
        Damage::Truncate(f) => text[..at(f)].to_string(),
        Damage::Replace(f, b) => {
            let i = at(f);
            format!("{}{}{}", &text[..i], b as char, &text[next(i)..])
        }
        Damage::Insert(f, b) => {
            let i = at(f);
            format!("{}{}{}", &text[..i], b as char, &text[i..])
        }
        Damage::Delete(f) => {
            let i = at(f);
            format!("{}{}", &text[..i], &text[next(i)..])
        }
        Damage::BadNumber(f, t) => {
            let i = at(f);
            format!("{}{t}{}", &text[..i], &text[i..])
        }
    }
}

// ---- the references

/// serde_json refuses escaped lone surrogates, where JSON.parse followed by
/// String.prototype.toWellFormed() (the crate's rule) gives U+FFFD for each. So serde_json
/// reads a copy in which every lone surrogate escape is rewritten as `\ufffd` (same length):
/// a high one is paired only with a low one escaped right after it. Backslashes appear only
/// inside strings in valid JSON, so reading every backslash as an escape is exact there;
/// in invalid text the rewrite keeps it invalid (it only changes hex digits).
fn lone_surrogates_to_fffd(t: &str) -> String {
    let b = t.as_bytes();
    let mut out = b.to_vec();
    let unit = |i: usize| -> Option<u16> {
        let h = t.get(i + 2..i + 6)?;
        if b.get(i + 1) == Some(&b'u') && h.bytes().all(|c| c.is_ascii_hexdigit()) {
            u16::from_str_radix(h, 16).ok()
        } else {
            None
        }
    };
    let mut high: Option<usize> = None;
    let mut i = 0;
    while i < b.len() {
        let mut fix = |at: usize| out[at..at + 6].copy_from_slice(b"\\ufffd");
        if b[i] == b'\\' {
            if let Some(u) = unit(i) {
                match (u, high.take()) {
                    (0xDC00..=0xDFFF, Some(_)) => {} // a pair
                    (0xDC00..=0xDFFF, None) => fix(i),
                    (_, Some(h)) => fix(h),
                    _ => {}
                }
                if (0xD800..0xDC00).contains(&u) {
                    high = Some(i);
                }
                i += 6;
                continue;
            }
            i += 2;
        } else {
            i += 1;
        }
        if let Some(h) = high.take() {
            fix(h);
        }
    }
    if let Some(h) = high {
        out[h..h + 6].copy_from_slice(b"\\ufffd");
    }
    String::from_utf8(out).unwrap()
}

/// RFC 8259's grammar, straight from its ABNF: whether `t` is one JSON text, with at most
/// 127 containers open at once (the crate's and serde_json's limit). No number ranges:
/// the grammar has none, and `skip` checks none.
fn rfc8259(t: &str) -> bool {
    struct P<'a>(&'a [u8], usize);
    impl P<'_> {
        fn at(&self) -> Option<u8> {
            self.0.get(self.1).copied()
        }
        fn eat(&mut self, c: u8) -> bool {
            let hit = self.at() == Some(c);
            self.1 += usize::from(hit);
            hit
        }
        fn ws(&mut self) {
            while matches!(self.at(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                self.1 += 1;
            }
        }
        fn digits(&mut self) -> usize {
            let from = self.1;
            while self.at().is_some_and(|c| c.is_ascii_digit()) {
                self.1 += 1;
            }
            self.1 - from
        }
        fn number(&mut self) -> bool {
            self.eat(b'-');
            let zero = self.at() == Some(b'0');
            let n = self.digits();
            if n == 0 || (zero && n > 1) {
                return false;
            }
            if self.eat(b'.') && self.digits() == 0 {
                return false;
            }
            if self.eat(b'e') || self.eat(b'E') {
                let _ = self.eat(b'+') || self.eat(b'-');
                return self.digits() > 0;
            }
            true
        }
        fn string(&mut self) -> bool {
            if !self.eat(b'"') {
                return false;
            }
            loop {
                match self.at() {
                    None => return false,
                    Some(b'"') => {
                        self.1 += 1;
                        return true;
                    }
                    Some(b'\\') => {
                        self.1 += 1;
                        match self.at() {
                            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                                self.1 += 1
                            }
                            Some(b'u') => {
                                let hex = self.0.get(self.1 + 1..self.1 + 5);
                                if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                    return false;
                                }
                                self.1 += 5;
                            }
                            _ => return false,
                        }
                    }
                    Some(c) if c < 0x20 => return false,
                    Some(_) => self.1 += 1,
                }
            }
        }
        fn value(&mut self, open: u32) -> bool {
            self.ws();
            let ok = match self.at() {
                Some(c @ (b'[' | b'{')) => {
                    if open == 127 {
                        return false;
                    }
                    self.1 += 1;
                    self.ws();
                    if self.eat(c + 2) {
                        true
                    } else {
                        loop {
                            if c == b'{' {
                                self.ws();
                                if !self.string() {
                                    break false;
                                }
                                self.ws();
                                if !self.eat(b':') {
                                    break false;
                                }
                            }
                            if !self.value(open + 1) {
                                break false;
                            }
                            if self.eat(c + 2) {
                                break true;
                            }
                            if !self.eat(b',') {
                                break false;
                            }
                        }
                    }
                }
                Some(b'"') => self.string(),
                Some(b't') => self.word(b"true"),
                Some(b'f') => self.word(b"false"),
                Some(b'n') => self.word(b"null"),
                Some(b'-' | b'0'..=b'9') => self.number(),
                _ => false,
            };
            self.ws();
            ok
        }
        fn word(&mut self, w: &[u8]) -> bool {
            let hit = self.0[self.1..].starts_with(w);
            self.1 += if hit { w.len() } else { 0 };
            hit
        }
    }
    let mut p = P(t.as_bytes(), 0);
    p.value(0) && p.1 == t.len()
}

// ---- the crate's reader, three ways

/// What the crate read: numbers keep every reading the API offers, plus their text.
#[derive(Debug)]
enum V {
    Null,
    Bool(bool),
    Num {
        text: String,
        f: f64,
        u: Option<u64>,
        i: Option<i64>,
    },
    Str(String),
    Arr(Vec<V>),
    Obj(Vec<(String, V)>),
}

/// The whole value through the public walkers.
fn read_tree(p: &mut Json) -> JResult<V> {
    Ok(match p.kind()? {
        Kind::Null => {
            assert!(p.null()?);
            V::Null
        }
        Kind::Bool => V::Bool(p.bool()?),
        Kind::Number => {
            let at = p.pos;
            let u = p.u64().ok();
            p.pos = at;
            let i = p.i64().ok();
            p.pos = at;
            let text = p.raw()?.to_string();
            p.pos = at;
            V::Num {
                text,
                f: p.f64()?,
                u,
                i,
            }
        }
        Kind::String => V::Str(p.str()?.into_owned()),
        Kind::Array => {
            let mut items = Vec::new();
            p.arr(|p, _| {
                items.push(read_tree(p)?);
                Ok(())
            })?;
            V::Arr(items)
        }
        Kind::Object => {
            let mut members = Vec::new();
            p.obj(|p, k| {
                members.push((k.into_owned(), read_tree(p)?));
                Ok(())
            })?;
            V::Obj(members)
        }
    })
}

/// The walkers with `skip` for every number and every odd-indexed element or member: the
/// mix the library's own readers use. Converts no number, so judges grammar alone.
fn walk_and_skip(p: &mut Json) -> JResult<()> {
    match p.kind()? {
        Kind::Array => p.arr(|p, i| {
            if i % 2 == 1 {
                p.skip()
            } else {
                walk_and_skip(p)
            }
        }),
        Kind::Object => {
            let mut i = 0;
            p.obj(|p, _| {
                i += 1;
                if i % 2 == 0 {
                    p.skip()
                } else {
                    walk_and_skip(p)
                }
            })
        }
        Kind::String => p.str().map(drop),
        Kind::Null => p.null().map(drop),
        Kind::Bool => p.bool().map(drop),
        Kind::Number => p.skip(),
    }
}

fn whole<T>(t: &str, read: impl FnOnce(&mut Json) -> JResult<T>) -> JResult<T> {
    let mut p = Json::new(t);
    let v = read(&mut p)?;
    p.end()?;
    Ok(v)
}

/// Floats are compared with the correctly rounded value (Rust's parser): the crate's own
/// parser is exact for the values it meets (parameters, token counts) and within a few ulps
/// at extreme exponents; serde_json's default parser is not correctly rounded either.
const ULPS: u64 = 8;

fn same(ours: &V, theirs: &Value, path: &str) -> Result<(), String> {
    let bad = |what: String| Err(format!("{path}: {what}"));
    match (ours, theirs) {
        (V::Null, Value::Null) => Ok(()),
        (V::Bool(a), Value::Bool(b)) if a == b => Ok(()),
        (V::Str(a), Value::String(b)) if a == b => Ok(()),
        (V::Num { text, f, u, i }, Value::Number(n)) => {
            let exact: f64 = text.parse().unwrap();
            let ulps = (f.to_bits() as i64 - exact.to_bits() as i64).unsigned_abs();
            if f.is_sign_negative() != exact.is_sign_negative() || ulps > ULPS {
                return bad(format!("{text} read as {f:e}, not {exact:e}"));
            }
            if *u != n.as_u64() {
                return bad(format!("{text} as u64: {u:?}, serde_json {:?}", n.as_u64()));
            }
            // serde_json reads `-0` as a float; the crate's i64 reader gives 0 for it.
            let i_ok = match n.as_i64() {
                Some(x) => *i == Some(x),
                None => i.map_or(true, |v| v as f64 == exact),
            };
            if !i_ok {
                return bad(format!("{text} as i64: {i:?}, serde_json {:?}", n.as_i64()));
            }
            Ok(())
        }
        (V::Arr(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .try_for_each(|(k, (x, y))| same(x, y, &format!("{path}[{k}]"))),
        (V::Obj(a), Value::Object(b)) => {
            // serde_json keeps the last of duplicate keys.
            let mut last = BTreeMap::new();
            for (k, v) in a {
                last.insert(k.as_str(), v);
            }
            if last.len() != b.len() {
                return bad(format!("{} keys, serde_json {}", last.len(), b.len()));
            }
            for (k, v) in last {
                match b.get(k) {
                    Some(w) => same(v, w, &format!("{path}.{k:?}"))?,
                    None => return bad(format!("key {k:?} missing in serde_json's")),
                }
            }
            Ok(())
        }
        _ => bad(format!("{ours:?} vs serde_json {theirs}")),
    }
}

/// Whether every number read is finite when correctly rounded.
fn all_finite(v: &V) -> bool {
    match v {
        V::Num { text, .. } => text.parse::<f64>().is_ok_and(f64::is_finite),
        V::Arr(items) => items.iter().all(all_finite),
        V::Obj(members) => members.iter().all(|(_, v)| all_finite(v)),
        _ => true,
    }
}

/// Every check on one text; Err says which reading disagreed.
fn differential(text: &str) -> Result<(), String> {
    let serde = serde_json::from_str::<Value>(&lone_surrogates_to_fffd(text));
    let grammar = rfc8259(text);
    // The grammar reference must agree with serde_json, except on numbers out of f64's
    // range, which the grammar allows and serde_json refuses.
    match &serde {
        Ok(_) if !grammar => return Err("serde_json accepts what the grammar refuses".into()),
        Err(e) if grammar && !e.to_string().starts_with("number out of range") => {
            return Err(format!("the grammar accepts what serde_json refuses: {e}"))
        }
        _ => {}
    }
    let tree = whole(text, read_tree);
    match (&tree, &serde) {
        (Ok(ours), Ok(theirs)) => same(ours, theirs, "$")?,
        (Err(_), Err(_)) => {}
        // serde_json's default float parser is not correctly rounded: it refuses some
        // numbers just under f64::MAX (1.797693134862315701e308) that round to it.
        (Ok(ours), Err(e))
            if e.to_string().starts_with("number out of range") && all_finite(ours) => {}
        (Ok(_), Err(e)) => return Err(format!("read, but serde_json: {e}")),
        (Err(e), Ok(_)) => return Err(format!("refused ({e}), serde_json read it")),
    }
    let skipped = whole(text, |p| p.skip());
    if skipped.is_ok() != grammar {
        return Err(format!("skip: {skipped:?}, grammar: {grammar}"));
    }
    let mixed = whole(text, walk_and_skip);
    if mixed.is_ok() != grammar {
        return Err(format!("walk and skip: {mixed:?}, grammar: {grammar}"));
    }
    if grammar {
        let raw = whole(text, |p| p.raw().map(str::to_string)).unwrap();
        if raw != text.trim_matches([' ', '\t', '\n', '\r']) {
            return Err(format!("raw gave {raw:?}"));
        }
    }
    // Decoded strings written back by the crate's writer read the same again.
    if let Ok(V::Str(s)) = &tree {
        let mut w = JsonWriter::new();
        w.str(s);
        let again = w.finish();
        if serde_json::from_str::<String>(&again).ok().as_ref() != Some(s) {
            return Err(format!("writer gave {again:?}"));
        }
    }
    Ok(())
}

/// JSON's tokens, some malformed, for texts whose structure is random rather than damaged.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    " ",
    "\"a\"",
    "\"\\u00e9\\n\"",
    "\"\\ud800\"",
    "1",
    "-0.5e3",
    "0",
    "01",
    "1.",
    "true",
    "null",
    "fals",
    "\"",
    "\\",
];

#[test]
fn known_cases() {
    for t in [
        "01",
        "[01]",
        "[}",
        "{\"a\":[1 2]}",
        "\"\\ud800\\ud83d\\ude00\"",
        "\"\\udc00\"",
        "[\"\\ud800\",\"\\udc00\"]",
        "1e400",
        "[1e400]",
        "[1.797693134862315701e308]",
        "-0",
        "18446744073709551616",
        "{\"a\":1,\"a\":2}",
        "\"\\u0000\\u001F\\/\"",
        "[\"\u{1}\"]",
        "[\"\\x\"]",
        "{1:2}",
        "{{}:1}",
        "{[]:1}",
        "{null:1}",
        "[1:2]",
        " ",
        "",
    ] {
        differential(t).unwrap_or_else(|e| panic!("{t:?}: {e}"));
    }
    assert_eq!(
        lone_surrogates_to_fffd(r#""\ud800\ud83d\ude00\\ud800""#),
        r#""\ufffd\ud83d\ude00\\ud800""#
    );
}

// ---- SSE

/// Bytes that are not UTF-8 on their own (the decoder replaces them per event).
const BAD_UTF8: &[&[u8]] = &[b"\xC3", b"\xFF", b"\xE2\x82", b"\x80"];

/// One line of a generated event stream, before its line end.
fn sse_line() -> impl Strategy<Value = Vec<u8>> {
    let text = vec(
        prop_oneof![
            6 => proptest::char::range(' ', '~').prop_map(|c| c.to_string().into_bytes()),
            1 => any::<char>().prop_map(|c| c.to_string().into_bytes()),
            1 => Just(vec![0xEF, 0xBB, 0xBF]),
            1 => proptest::sample::select(BAD_UTF8)
                .prop_map(<[u8]>::to_vec),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat());
    (
        proptest::sample::select(
            &[
                "data: ", "data:", "data:  ", "data", ": ", ":", "event: ", "id: ", "retry: ",
                "x: ", "", "dat", "Data: ",
            ][..],
        ),
        text,
    )
        .prop_map(|(field, value)| {
            let mut line = field.as_bytes().to_vec();
            if field != "data" && !field.is_empty() {
                line.extend(value);
            }
            line
        })
}

fn sse_body() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<bool>(),
        vec(
            (
                sse_line(),
                proptest::sample::select(&["\n", "\r", "\r\n", "\n", "\n\n", "\r\n\r\n"][..]),
            ),
            0..24,
        ),
        any::<bool>(),
    )
        .prop_map(|(bom, lines, unterminated)| {
            let mut body = if bom {
                b"\xEF\xBB\xBF".to_vec()
            } else {
                Vec::new()
            };
            let n = lines.len();
            for (i, (line, end)) in lines.into_iter().enumerate() {
                body.extend(line);
                if !(unterminated && i + 1 == n) {
                    body.extend(end.as_bytes());
                }
            }
            body
        })
}

/// The WHATWG event-stream rules, read plainly over the whole body: one leading BOM
/// dropped; lines end at CRLF, CR or LF; a blank line dispatches; `:` starts a comment;
/// the field name runs to the first colon and one space after it is dropped; `data`
/// values are joined with LF and an event whose data buffer is empty is not dispatched.
/// Only data is compared (the decoder reports no event type or id). Two documented
/// departures, which the decoder shares: a last line without a line end still counts and
/// the last event is dispatched at the end of input (Azure ends streams with `data: [DONE]`
/// and no newline); and the limit: decoding stops at the first line, or joined data,
/// longer than `max` bytes, before anything after it is dispatched.
/// Working on bytes is the same as decoding UTF-8 first: CR, LF, ':' and ' ' are ASCII and
/// can never be part of a multi-byte sequence, so each event's data decodes alike.
fn whatwg(body: &[u8], max: Option<usize>) -> (Vec<String>, bool) {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let mut lines = Vec::new();
    let mut i = 0;
    let mut from = 0;
    while i < body.len() {
        match body[i] {
            b'\n' => {
                lines.push(&body[from..i]);
                from = i + 1;
            }
            b'\r' => {
                lines.push(&body[from..i]);
                if body.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                from = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if from < body.len() {
        lines.push(&body[from..]);
    }
    lines.push(b""); // end of input dispatches
    let too_big = |n: usize| max.is_some_and(|m| n > m);
    let (mut events, mut data) = (Vec::new(), Vec::<u8>::new());
    for line in lines {
        if too_big(line.len()) {
            return (events, true);
        }
        if line.is_empty() {
            if !data.is_empty() {
                data.pop(); // the last LF
                events.push(String::from_utf8_lossy(&data).into_owned());
                data.clear();
            }
            continue;
        }
        if line[0] == b':' {
            continue;
        }
        let (field, value) = match line.iter().position(|&c| c == b':') {
            Some(p) => (
                &line[..p],
                line[p + 1..].strip_prefix(b" ").unwrap_or(&line[p + 1..]),
            ),
            None => (line, &b""[..]),
        };
        if field == b"data" {
            data.extend_from_slice(value);
            data.push(b'\n');
            if too_big(data.len() - 1) {
                return (events, true);
            }
        }
    }
    (events, false)
}

/// The decoder fed in pieces, with an empty read after each when `empty_reads`.
fn decode(
    body: &[u8],
    cuts: &[usize],
    max: Option<usize>,
    empty_reads: bool,
) -> (Vec<String>, bool) {
    let mut d = match max {
        Some(m) => SseDecoder::with_max_event_size(m),
        None => SseDecoder::new(),
    };
    let mut out = Vec::new();
    let mut last = 0;
    for c in cuts.iter().copied().chain(Some(body.len())) {
        let c = c.clamp(last, body.len());
        d.feed(&body[last..c], &mut |e| out.push(e.to_string()));
        if empty_reads {
            d.feed(&[], &mut |e| out.push(e.to_string()));
        }
        last = c;
    }
    d.finish(&mut |e| out.push(e.to_string()));
    (out, d.overflowed())
}

#[test]
fn sse_known_cases() {
    for body in [
        &b"data:\n\ndata: [DONE]   \n\n"[..],
        b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\r\rdata\rdata:b\r\n\r\n",
        b"data: a\n: c\nid: 1\ndata: b\n\ndata: c",
        b"data: \xC3\ndata:\xE2\x82\n\n",
    ] {
        let want = whatwg(body, None);
        for cut in 0..=body.len() {
            assert_eq!(decode(body, &[cut], None, true), want, "{body:?} cut {cut}");
        }
    }
    assert_eq!(
        whatwg(b"data:\n\ndata: [DONE]   \n\n", None).0,
        ["", "[DONE]   "]
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(5000)))]

    #[test]
    fn json_reads_like_serde_json_and_the_grammar(
        v in value(),
        seed in any::<u64>(),
        damage in prop_oneof![2 => Just(vec![]), 3 => vec(damage(), 1..3)],
    ) {
        let mut text = String::new();
        render(&mut text, &v, &mut Ws(seed | 1));
        for d in &damage {
            text = apply(&text, d);
        }
        if let Err(e) = differential(&text) {
            prop_assert!(false, "{}\n{:?}", e, text);
        }
    }

    #[test]
    fn json_token_soup(tokens in vec(proptest::sample::select(TOKENS), 0..16)) {
        let text = tokens.concat();
        if let Err(e) = differential(&text) {
            prop_assert!(false, "{}\n{:?}", e, text);
        }
    }

    #[test]
    fn sse_decodes_like_whatwg_split_anywhere(
        body in sse_body(),
        cuts in vec(any::<prop::sample::Index>(), 0..6),
        max in proptest::option::of(0usize..48),
        empty_reads in any::<bool>(),
    ) {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c.index(body.len() + 1)).collect();
        cuts.sort();
        prop_assert_eq!(decode(&body, &cuts, max, empty_reads), whatwg(&body, max), "{:?}", String::from_utf8_lossy(&body));
    }
}
