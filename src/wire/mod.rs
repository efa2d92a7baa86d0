pub mod json;
pub mod scan;
pub mod sse;
