//! Model profiles: what a model id means (metadata, limits, prices) and which parameter
//! rules its requests follow. Three sources, in order: `modelProfile` in the config, the
//! table of known models (`table.rs`), and rules by family for ids the table lacks.
//! Each family's transforms live in that family's module.

use crate::core::error::{LlmError, Result};
use crate::core::metadata::{MediaType, ModelMetadata, Pricing};
use crate::core::params::GenerationParams;
use crate::prelude::*;
use crate::providers::chat_wire::WireParams;
use crate::wire::json::{Json, Kind};

pub mod gpt_4_1_mini;
pub mod reasoning;
pub mod standard;
pub mod table;

/// The parameter rules of a family: how the library's parameters become wire parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rules {
    /// Every standard chat parameter, as named on the wire.
    Standard,
    /// GPT-4.1 mini (the design document's model): max_completion_tokens, no temperature.
    Gpt41Mini,
    /// o-series and gpt-5 reasoning models: max_completion_tokens, no sampling parameters,
    /// reasoning_effort. `minimal` says whether "minimal" effort exists (gpt-5 only).
    Reasoning { minimal: bool },
}

/// What a transform produced: the wire parameters, and the library names of the
/// parameters the model does not take (dropped, and reported as `droppedParams`).
#[derive(Debug)]
pub struct Transformed {
    pub wire: WireParams,
    pub dropped: Vec<&'static str>,
}

impl Rules {
    pub fn transform(self, p: &GenerationParams, model: &str) -> Result<Transformed> {
        match self {
            Rules::Standard => standard::transform(p),
            Rules::Gpt41Mini => gpt_4_1_mini::transform(p),
            Rules::Reasoning { minimal } => reasoning::transform(p, minimal, model),
        }
    }

    /// Rules by family name: the table's families, and what a family prefix implies.
    pub fn for_family(family: &str) -> Rules {
        let f = family.to_ascii_lowercase();
        if f.starts_with("gpt-5") && crate::core::find(&f, "chat").is_none() {
            Rules::Reasoning { minimal: true }
        } else if f == "o-series"
            || ["o1", "o3", "o4"].iter().any(|p| {
                f.strip_prefix(p)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
            })
        {
            Rules::Reasoning { minimal: false }
        } else if f.starts_with("gpt-4.1-mini") {
            Rules::Gpt41Mini
        } else {
            Rules::Standard
        }
    }
}

/// One model's profile: its metadata and the rules its requests follow.
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub meta: ModelMetadata,
    pub rules: Rules,
}

impl Profile {
    /// Azure's api-version for this model's requests on the deployments path when the
    /// config gives none: reasoning models need the newer preview versions.
    pub fn azure_api_version(&self) -> &'static str {
        if !self.meta.supports_output(MediaType::Text) {
            // Images (gpt-image-1 needs it; dall-e-3 takes it) and speech (wav, pcm).
            return "2025-04-01-preview";
        }
        match self.rules {
            Rules::Reasoning { minimal: true } => "2025-04-01-preview",
            Rules::Reasoning { minimal: false } => "2024-12-01-preview",
            _ => "2024-10-21",
        }
    }
}

/// The profile of `id` on `provider`: the table's entry, else family rules (limits left
/// unknown: 0, which skips the context-window check), each overridden by `profile_json`
/// (the config's `modelProfile`).
pub fn resolve(id: &str, provider: &str, profile_json: Option<&str>) -> Result<Profile> {
    let mut profile = match table::find(id) {
        Some(p) => p,
        None => by_family(id),
    };
    profile.meta.provider = provider.to_string();
    if let Some(json) = profile_json {
        apply_override(&mut profile, json)?;
    }
    Ok(profile)
}

/// A profile for an id the table does not know, from its family prefix.
fn by_family(id: &str) -> Profile {
    let lower = id.to_ascii_lowercase();
    // Ids like "azure/gpt-4o" or "openai/gpt-5-mini" name the family after the last '/'.
    let base = lower.rsplit('/').next().unwrap_or(&lower);
    let (family, context, max_out, inputs): (&str, u64, u64, &[MediaType]) =
        if base.starts_with("gpt-5") && crate::core::find(base, "chat").is_none() {
            ("gpt-5", 400_000, 128_000, table::TEXT_IMAGE)
        } else if matches!(Rules::for_family(base), Rules::Reasoning { .. }) {
            ("o-series", 200_000, 100_000, table::TEXT_IMAGE)
        } else if base.starts_with("gpt-4.1-mini") {
            ("gpt-4.1-mini", 1_047_576, 32_768, table::TEXT_IMAGE)
        } else if base.starts_with("gpt-4.1") {
            ("gpt-4.1", 1_047_576, 32_768, table::TEXT_IMAGE)
        } else if base.starts_with("gpt-4o") {
            ("gpt-4o", 128_000, 16_384, table::TEXT_IMAGE)
        } else {
            // Unknown: the server decides what it accepts; limits are not checked here.
            ("unknown", 0, 0, table::TEXT_IMAGE)
        };
    Profile {
        meta: ModelMetadata {
            model_name: id.to_string(),
            family: family.to_string(),
            provider: String::new(),
            input_types: inputs.to_vec(),
            output_types: vec![MediaType::Text],
            context_window: context,
            max_output_tokens: max_out,
            pricing: Pricing::default(),
        },
        rules: Rules::for_family(family),
    }
}

const PROFILE_HINT: &str = "modelProfile is { family?, provider?, inputTypes?, outputTypes?, contextWindow?, maxOutputTokens?, pricing? } (see listModels() for examples).";

/// Overlays the config's `modelProfile` on a profile; a family also picks its rules.
fn apply_override(profile: &mut Profile, json: &str) -> Result<()> {
    let mut problem: Option<LlmError> = None;
    let m = &mut profile.meta;
    let mut family_set = false;
    let mut p = Json::new(json);
    let r = p
        .obj(|p, k| {
            if p.null()? {
                return Ok(());
            }
            let kind = p.kind()?;
            match (k.as_ref(), kind) {
                ("family", Kind::String) => {
                    m.family = p.str()?.into_owned();
                    family_set = true;
                }
                ("provider", Kind::String) => m.provider = p.str()?.into_owned(),
                ("inputTypes" | "outputTypes", Kind::Array) => {
                    let mut list = Vec::new();
                    p.arr(|p, _| {
                        let s = p.str()?;
                        match MediaType::parse(&s) {
                            Some(t) => list.push(t),
                            None => {
                                problem.get_or_insert(LlmError::invalid_input(
                                    format!("config.modelProfile.{k}: \"{s}\" is not a media type"),
                                    "Media types are text, image, audio and video.",
                                ));
                            }
                        }
                        Ok(())
                    })?;
                    if k == "inputTypes" {
                        m.input_types = list;
                    } else {
                        m.output_types = list;
                    }
                }
                ("contextWindow" | "maxOutputTokens", Kind::Number) => {
                    match crate::wire::json::parse_u64(p.raw()?) {
                        Some(v) if k == "contextWindow" => m.context_window = v,
                        Some(v) => m.max_output_tokens = v,
                        None => {
                            problem.get_or_insert(LlmError::invalid_input(
                                format!("config.modelProfile.{k} must be a non-negative integer"),
                                PROFILE_HINT,
                            ));
                        }
                    }
                }
                ("pricing", Kind::Object) => {
                    let raw = p.raw()?;
                    match ModelMetadata::pricing_from_json(raw) {
                        Ok(pr) => m.pricing = pr,
                        Err(e) => {
                            problem.get_or_insert(e);
                        }
                    }
                }
                (other, kind) => {
                    problem.get_or_insert(LlmError::invalid_input(
                        format!(
                            "config.modelProfile.{other} is not a profile field ({})",
                            kind.name()
                        ),
                        PROFILE_HINT,
                    ));
                    p.skip()?
                }
            }
            Ok(())
        })
        .and_then(|_| p.end());
    if let Some(e) = problem {
        return Err(e);
    }
    r.map_err(|e| {
        LlmError::invalid_input(
            format!("config.modelProfile is not valid ({e})"),
            PROFILE_HINT,
        )
    })?;
    if family_set {
        profile.rules = Rules::for_family(&profile.meta.family);
    }
    Ok(())
}

/// The table, as listModels() shows it.
pub fn list() -> Vec<ModelMetadata> {
    table::all().into_iter().map(|p| p.meta).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ids_family_rules_and_profiles() {
        let p = resolve("gpt-4.1-mini", "azure", None).unwrap();
        assert_eq!(p.rules, Rules::Gpt41Mini);
        assert_eq!(p.meta.provider, "azure");
        assert_eq!(
            resolve("gpt-5-mini-2025-08-07", "openai", None)
                .unwrap()
                .rules,
            Rules::Reasoning { minimal: true }
        );
        assert_eq!(
            resolve("o3-pro", "openai", None).unwrap().rules,
            Rules::Reasoning { minimal: false }
        );
        assert_eq!(
            resolve("gpt-4.1-mini-2025-04-14", "azure", None)
                .unwrap()
                .rules,
            Rules::Gpt41Mini
        );
        let unknown = resolve("smollm2-135m", "openai", None).unwrap();
        assert_eq!(
            (unknown.rules, unknown.meta.context_window),
            (Rules::Standard, 0)
        );
        let custom = resolve(
            "my-reasoner",
            "openai",
            Some(r#"{"family":"o-series","contextWindow":8192,"maxOutputTokens":1024,"inputTypes":["text"]}"#),
        )
        .unwrap();
        assert_eq!(custom.rules, Rules::Reasoning { minimal: false });
        assert_eq!(custom.meta.context_window, 8192);
        assert_eq!(custom.meta.input_types, vec![MediaType::Text]);
        let e = resolve("x", "openai", Some(r#"{"contextWindow":-1}"#)).unwrap_err();
        assert_eq!(e.code.as_str(), "invalid_input");
        let e = resolve("x", "openai", Some(r#"{"colour":"red"}"#)).unwrap_err();
        assert!(e.message.contains("colour"), "{}", e.message);
    }

    #[test]
    fn o_prefix_needs_a_family_boundary() {
        assert_eq!(Rules::for_family("o3"), Rules::Reasoning { minimal: false });
        assert_eq!(
            Rules::for_family("o4-mini"),
            Rules::Reasoning { minimal: false }
        );
        assert_eq!(Rules::for_family("ollama-model"), Rules::Standard);
        assert_eq!(Rules::for_family("o3x"), Rules::Standard);
        assert_eq!(Rules::for_family("gpt-5-chat-latest"), Rules::Standard);
    }
}
