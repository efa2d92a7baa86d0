//! The Rust API on wasm in Node, through the runtime's own fetch, against the emulator
//! (started by scripts/test.sh; its URL comes in LLM_EDGE_EMULATOR_URL).
#![cfg(target_arch = "wasm32")]

#[path = "wasm_shared/mod.rs"]
mod shared;
use wasm_bindgen_test::*;

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
