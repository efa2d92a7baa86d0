//! Providers: each turns the executor's operations into its own HTTP requests (URL, auth,
//! headers) and reads its own error answers. `chat_wire` is the chat-completions format the
//! Azure and OpenAI targets share.

pub mod azure;
pub mod bedrock;
pub mod chat_wire;
pub mod openai;
pub mod target;
pub mod url;

pub use target::{Auth, OpKind, Prepared, Secret, Target, TokenProvider, Wire};
#[cfg(feature = "media")]
pub use target::{VideoApi, VideoStep};
