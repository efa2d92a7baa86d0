//! The Rust API on wasm in Node, through the runtime's own fetch, against the emulator
//! (started by scripts/test.sh; its URL comes in LLM_EDGE_EMULATOR_URL).
#![cfg(target_arch = "wasm32")]

#[path = "wasm_shared/mod.rs"]
mod shared;

all_wasm_scenarios!();
