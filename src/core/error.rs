//! One error type for the whole library. Every variant maps to a stable `code`
//! string from the JavaScript contract, and carries a hint a person can act on.

use super::response::{write_attempts, Attempt};
use crate::prelude::*;
use crate::wire::json::JsonWriter;
use core::fmt;

/// The contract's `ErrorCode`: stable strings, never renamed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidInput,
    UnsupportedOperation,
    TokenLimitExceeded,
    Authentication,
    PermissionDenied,
    NotFound,
    RateLimited,
    BadRequest,
    ContentFilter,
    ServiceUnavailable,
    Timeout,
    Connection,
    Parse,
    Aborted,
    AllEndpointsFailed,
    ResponseTooLarge,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::UnsupportedOperation => "unsupported_operation",
            ErrorCode::TokenLimitExceeded => "token_limit_exceeded",
            ErrorCode::Authentication => "authentication",
            ErrorCode::PermissionDenied => "permission_denied",
            ErrorCode::NotFound => "not_found",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::ContentFilter => "content_filter",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Connection => "connection",
            ErrorCode::Parse => "parse",
            ErrorCode::Aborted => "aborted",
            ErrorCode::AllEndpointsFailed => "all_endpoints_failed",
            ErrorCode::ResponseTooLarge => "response_too_large",
            ErrorCode::Internal => "internal",
        }
    }

    /// Whether another endpoint may succeed where this one failed (design doc §6):
    /// outages, timeouts and broken connections yes; credentials, quotas and bad requests no.
    pub fn is_failover(self) -> bool {
        matches!(
            self,
            ErrorCode::ServiceUnavailable
                | ErrorCode::Timeout
                | ErrorCode::Connection
                | ErrorCode::Parse
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as the caller sees it. Messages are built by this crate from
/// parts it controls; credentials are never formatted into any field.
#[derive(Clone, Debug, PartialEq)]
pub struct LlmError {
    pub code: ErrorCode,
    pub message: String,
    pub hint: Option<String>,
    pub status: Option<u16>,
    pub retry_after_ms: Option<u64>,
    pub attempts: Vec<Attempt>,
    pub partial_content: Option<String>,
    /// The provider's own error code (e.g. Azure's "content_filter" or "429"), for diagnosis.
    pub provider_code: Option<String>,
    /// The call must end here, whatever endpoints are left: the caller aborted or the
    /// call's own deadline (ctx.timeoutMs) ran out.
    pub terminal: bool,
}

impl LlmError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::make(code, message.into(), None)
    }

    /// The one place an error is assembled: the generic constructors stay a few bytes at
    /// each of their ~80 call sites instead of each building the whole struct.
    #[inline(never)]
    fn make(code: ErrorCode, message: String, hint: Option<String>) -> Self {
        LlmError {
            code,
            message,
            hint,
            status: None,
            retry_after_ms: None,
            attempts: Vec::new(),
            partial_content: None,
            provider_code: None,
            terminal: false,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn invalid_input(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::make(ErrorCode::InvalidInput, message.into(), Some(hint.into()))
    }

    pub fn unsupported(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::make(
            ErrorCode::UnsupportedOperation,
            message.into(),
            Some(hint.into()),
        )
    }

    pub fn parse(message: impl Into<String>) -> Self {
        LlmError::new(ErrorCode::Parse, message).with_hint(
            "The endpoint answered with something that is not the provider's wire format (a proxy's or captive portal's page?); check that the URL points at the API itself.",
        )
    }

    pub fn timeout(message: impl Into<String>) -> Self {
        LlmError::new(ErrorCode::Timeout, message)
            .with_hint("Raise timeoutMs / idleTimeoutMs, or add a backup endpoint to fail over to.")
    }

    pub fn too_large(what: &str, limit: usize) -> Self {
        LlmError::new(
            ErrorCode::ResponseTooLarge,
            format!("{what} passed the limit of {limit} bytes; nothing more was read"),
        )
        .with_hint("Raise config.limits (maxEventBytes, maxBodyBytes, maxStreamBytes) if answers this large are expected; otherwise the endpoint is misbehaving.")
    }

    pub fn aborted() -> Self {
        LlmError::new(
            ErrorCode::Aborted,
            "The request was aborted by the caller's signal",
        )
        .with_hint("ctx.signal fired; nothing further was sent.")
    }
}

impl LlmError {
    /// The error as JSON for the JS side (camelCase; the contract's LLMError fields).
    pub fn to_json(&self) -> String {
        let mut w = JsonWriter::new();
        w.begin_obj()
            .key("code")
            .str(self.code.as_str())
            .key("message")
            .str(&self.message);
        w.opt_str("hint", self.hint.as_deref())
            .opt_uint("status", self.status.map(u64::from))
            .opt_uint("retryAfterMs", self.retry_after_ms);
        if !self.attempts.is_empty() {
            w.key("attempts");
            write_attempts(&mut w, &self.attempts);
        }
        w.opt_str("partialContent", self.partial_content.as_deref())
            .opt_str("providerCode", self.provider_code.as_deref());
        w.end_obj();
        w.finish()
    }
}

impl fmt::Display for LlmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)
    }
}

impl core::error::Error for LlmError {}

pub type Result<T> = core::result::Result<T, LlmError>;
