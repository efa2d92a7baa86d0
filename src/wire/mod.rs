pub mod json;
pub mod sse;
