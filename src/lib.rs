//! llm-edge: an LLM client for browsers and edge runtimes, in Rust compiled to WebAssembly.
//!
//! Layers, as in the design document: `core` (contract, helpers, types), `wire` (SSE),
//! `transport` (the HTTP trait), `resilience` (failover, breaker, deadlines),
//! `providers::azure` (connector, helpers, per-model transforms), `registry` (the factory),
//! and on wasm32 `bindings`, the only module that touches `JsValue`.

pub mod core;
pub mod providers;
pub mod registry;
pub mod resilience;
pub mod transport;
pub mod wire;

#[cfg(target_arch = "wasm32")]
pub mod bindings;
#[cfg(target_arch = "wasm32")]
mod wasm_alloc;

pub use crate::core::error::{ErrorCode, LlmError};
pub use crate::core::llm::{BaseLlm, Llm};
pub use registry::{create, list_models};
