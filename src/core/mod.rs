//! Plain Rust: no JsValue, no fetch. Everything here unit-tests natively.

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
