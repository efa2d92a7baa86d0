//! The Rust API on wasm in headless Chromium (wasm-bindgen-test-runner with chromedriver),
//! through the page's fetch (cross-origin, so CORS preflights included), against the emulator.
#![cfg(target_arch = "wasm32")]

#[path = "wasm_shared/mod.rs"]
mod shared;
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

all_wasm_scenarios!();
