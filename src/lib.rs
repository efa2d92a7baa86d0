//! llm-edge: an LLM client for browsers and edge runtimes, in Rust compiled to WebAssembly.
//!
//! Layers, as in the design document: `core` (contract, helpers, types), `wire` (SSE, JSON),
//! `transport` (the HTTP trait), `resilience` (failover, breaker, deadlines), `engine` (the
//! executor every provider and operation runs through), `providers` (one target per
//! provider: URLs, auth, error answers), `models` (profiles and per-family parameter
//! rules), `chat` (the chat operation), `config` and `registry` (the factory), and on
//! wasm32 `bindings`, the only module that touches `JsValue`.
//! docs/ARCHITECTURE.md follows one request through them.
//!
//! Paths come from `core` and `alloc` so the package's wasm can leave std out (the
//! `wasm-package` feature); native builds and tests keep std.

#![cfg_attr(all(target_arch = "wasm32", feature = "wasm-package"), no_std)]

#[macro_use]
extern crate alloc;

/// What std's prelude would give every module, for the builds without std.
#[allow(unused_imports)]
mod prelude {
    pub use alloc::borrow::ToOwned;
    pub use alloc::boxed::Box;
    pub use alloc::string::{String, ToString};
    pub use alloc::vec::Vec;
}

/// Without std, a panic traps: the same end as `panic = "abort"` with std, minus std's
/// message formatting, which nobody could read in the wasm anyway.
#[cfg(all(target_arch = "wasm32", feature = "wasm-package", not(test)))]
#[panic_handler]
fn panic(_: &::core::panic::PanicInfo) -> ! {
    ::core::arch::wasm32::unreachable()
}

pub mod chat;
pub mod config;
pub mod core;
pub mod engine;
pub mod media;
pub mod models;
pub mod providers;
pub mod registry;
pub mod resilience;
pub mod transport;
pub mod wire;

#[cfg(target_arch = "wasm32")]
pub mod bindings;
/// The wasm allocator: talc's, which takes memory with `memory.grow` and extends its heap
/// in place (bench/OPTIMIZATIONS.md, "The allocator", compares it with dlmalloc and the
/// former own size-class allocator). Single-threaded: wasm32-unknown-unknown without atomics.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub use crate::core::error::{ErrorCode, LlmError};
pub use crate::core::llm::{BaseLlm, Llm};
pub use registry::{create, list_models};
