pub mod azure;
pub mod chat_wire;
