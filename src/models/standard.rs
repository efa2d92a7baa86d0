//! The standard chat parameters, sent as they are named on the wire (gpt-4o, gpt-4.1,
//! gpt-4.1-nano, and any model the library knows nothing special about). Reasoning
//! effort does not apply to these models: it is dropped and reported.

use super::Transformed;
use crate::core::error::Result;
use crate::core::params::GenerationParams;
use crate::prelude::*;
use crate::providers::chat_wire::standard_wire_params;

pub fn transform(p: &GenerationParams) -> Result<Transformed> {
    let wire = standard_wire_params(p);
    let dropped = if p.reasoning_effort.is_some() {
        vec!["reasoningEffort"]
    } else {
        Vec::new()
    };
    Ok(Transformed { wire, dropped })
}
