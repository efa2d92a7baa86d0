//! The Rust API on wasm in headless Chromium (wasm-bindgen-test-runner with chromedriver),
//! through the page's fetch (cross-origin, so CORS preflights included), against the emulator.
#![cfg(target_arch = "wasm32")]

#[path = "wasm_shared/mod.rs"]
mod shared;
use wasm_bindgen_test::*;
wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn get_answer_through_fetch() {
    shared::get_answer_through_fetch().await
}

#[wasm_bindgen_test]
async fn stream_answer_through_fetch() {
    shared::stream_answer_through_fetch().await
}

#[wasm_bindgen_test]
async fn bad_input_is_refused_with_its_code() {
    shared::bad_input_is_refused_with_its_code().await
}

#[wasm_bindgen_test]
async fn http_errors_map_to_codes() {
    shared::http_errors_map_to_codes().await
}
