//! Plain Rust: no JsValue, no fetch. Everything here unit-tests natively.

use crate::prelude::*;

pub mod cancel;
pub mod context;
pub mod error;
pub mod httpdate;
pub mod llm;
pub mod maybe_send;
pub mod message;
pub mod metadata;
pub mod params;
pub mod response;
pub mod tokens;

/// Byte offset of `needle` in `hay`. A plain scan: the few short searches here do not need
/// core's two-way string searcher (2.5 KB of wasm).
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
}

/// `hay` with every `needle` replaced by `with` (same result as `str::replace`).
pub fn replace_all(hay: &str, needle: &str, with: &str) -> String {
    let mut out = String::with_capacity(hay.len());
    let mut rest = hay;
    while let Some(i) = find(rest, needle).filter(|_| !needle.is_empty()) {
        out.push_str(rest.get(..i).unwrap_or(""));
        out.push_str(with);
        rest = rest.get(i + needle.len()..).unwrap_or("");
    }
    out.push_str(rest);
    out
}
