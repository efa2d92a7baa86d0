pub mod sha256;
pub mod sigv4;
