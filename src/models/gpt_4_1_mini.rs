//! GPT-4.1 mini, the design document's model: `maxTokens` goes out as
//! `max_completion_tokens`, and temperature is not supported, so it is dropped.

use super::Transformed;
use crate::core::error::Result;
use crate::core::params::GenerationParams;

pub fn transform(p: &GenerationParams) -> Result<Transformed> {
    let mut t = super::standard::transform(p)?;
    if let Some(max) = t.wire.remove("max_tokens") {
        t.wire.insert("max_completion_tokens", max);
    }
    if t.wire.remove("temperature").is_some() {
        t.dropped.push("temperature");
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_tokens_renamed_and_temperature_dropped() {
        let p = GenerationParams {
            max_tokens: Some(50),
            temperature: Some(0.2),
            top_p: Some(0.9),
            ..Default::default()
        };
        let t = transform(&p).unwrap();
        assert_eq!(t.wire.get("max_completion_tokens"), Some("50"));
        assert!(!t.wire.contains_key("max_tokens") && !t.wire.contains_key("temperature"));
        assert_eq!(t.wire.get("top_p"), Some("0.9"));
        assert_eq!(t.dropped, vec!["temperature"]);
    }
}
