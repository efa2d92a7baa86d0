//! What a model is: its media types, limits and prices.

use super::error::{LlmError, Result};
use crate::prelude::*;
use crate::wire::json::{Json, JsonWriter, Kind};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaType {
    Text,
    Image,
    Audio,
    Video,
}

impl MediaType {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Text => "text",
            MediaType::Image => "image",
            MediaType::Audio => "audio",
            MediaType::Video => "video",
        }
    }
    pub fn parse(s: &str) -> Option<MediaType> {
        Some(match s {
            "text" => MediaType::Text,
            "image" => MediaType::Image,
            "audio" => MediaType::Audio,
            "video" => MediaType::Video,
            _ => return None,
        })
    }
}

/// USD per million tokens (and per unit for media).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Pricing {
    pub input_per_m_tok: Option<f64>,
    pub output_per_m_tok: Option<f64>,
    pub cached_input_per_m_tok: Option<f64>,
    pub per_image: Option<f64>,
    pub per_m_characters: Option<f64>,
    pub per_second: Option<f64>,
    /// gpt-image's image input tokens (edits), USD per million (the full variant only).
    #[cfg(feature = "media")]
    pub image_input_per_m_tok: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ModelMetadata {
    pub model_name: String,
    pub family: String,
    pub provider: String,
    pub input_types: Vec<MediaType>,
    pub output_types: Vec<MediaType>,
    pub context_window: u64,
    pub max_output_tokens: u64,
    pub pricing: Pricing,
}

const PRICES: [&str; 6] = [
    "inputPerMTok",
    "outputPerMTok",
    "cachedInputPerMTok",
    "perImage",
    "perMCharacters",
    "perSecond",
];

impl Pricing {
    fn slots(&mut self) -> [&mut Option<f64>; 6] {
        [
            &mut self.input_per_m_tok,
            &mut self.output_per_m_tok,
            &mut self.cached_input_per_m_tok,
            &mut self.per_image,
            &mut self.per_m_characters,
            &mut self.per_second,
        ]
    }
}

impl ModelMetadata {
    pub fn supports_output(&self, t: MediaType) -> bool {
        self.output_types.contains(&t)
    }
    pub fn supports_input(&self, t: MediaType) -> bool {
        self.input_types.contains(&t)
    }

    pub fn write(&self, w: &mut JsonWriter) {
        w.begin_obj()
            .key("modelName")
            .str(&self.model_name)
            .key("family")
            .str(&self.family)
            .key("provider")
            .str(&self.provider);
        for (k, list) in [
            ("inputTypes", &self.input_types),
            ("outputTypes", &self.output_types),
        ] {
            w.key(k).begin_arr();
            for t in list {
                w.str(t.as_str());
            }
            w.end_arr();
        }
        w.key("contextWindow")
            .uint(self.context_window)
            .key("maxOutputTokens")
            .uint(self.max_output_tokens)
            .key("pricing")
            .begin_obj();
        let mut pricing = self.pricing.clone();
        for (k, v) in PRICES.iter().zip(pricing.slots()) {
            w.opt_num(k, *v);
        }
        w.end_obj().end_obj();
    }

    /// Reads metadata a JS subclass of BaseLLM passes in, naming what is wrong.
    pub fn from_json(json: &str) -> Result<ModelMetadata> {
        const HINT: &str = "metadata needs modelName, family, provider, inputTypes, outputTypes, contextWindow, maxOutputTokens and pricing (see listModels() for examples).";
        let mut m = ModelMetadata {
            model_name: String::new(),
            family: String::new(),
            provider: String::new(),
            input_types: vec![],
            output_types: vec![],
            context_window: 0,
            max_output_tokens: 0,
            pricing: Pricing::default(),
        };
        let mut seen = 0u32;
        let mut problem: Option<String> = None;
        let mut p = Json::new(json);
        let r = p
            .obj(|p, k| {
                let bit = match k.as_ref() {
                    "modelName" | "family" | "provider" => {
                        let v = if p.kind()? == Kind::String { p.str()?.into_owned() } else { p.skip().map(|_| String::new())? };
                        match k.as_ref() {
                            "modelName" => m.model_name = v,
                            "family" => m.family = v,
                            _ => m.provider = v,
                        }
                        1
                    }
                    "inputTypes" | "outputTypes" => {
                        let mut list = Vec::new();
                        p.arr(|p, _| {
                            let s = p.str()?;
                            match MediaType::parse(&s) {
                                Some(t) => list.push(t),
                                None => problem = Some(format!("metadata.{k}: \"{s}\" is not a media type (text, image, audio, video)")),
                            }
                            Ok(())
                        })?;
                        if k == "inputTypes" {
                            m.input_types = list;
                        } else {
                            m.output_types = list;
                        }
                        2
                    }
                    "contextWindow" => {
                        m.context_window = p.u64()?;
                        4
                    }
                    "maxOutputTokens" => {
                        m.max_output_tokens = p.u64()?;
                        8
                    }
                    "pricing" => {
                        m.pricing = read_pricing(p)?;
                        16
                    }
                    _ => {
                        p.skip()?;
                        0
                    }
                };
                seen |= bit;
                Ok(())
            })
            .and_then(|_| p.end());
        if let Err(e) = r {
            return Err(LlmError::invalid_input(
                format!("metadata is not valid ({e})"),
                HINT,
            ));
        }
        if let Some(why) = problem {
            return Err(LlmError::invalid_input(why, HINT));
        }
        if m.model_name.is_empty() || seen & 31 != 31 {
            return Err(LlmError::invalid_input("metadata is incomplete", HINT));
        }
        Ok(m)
    }
}

fn read_pricing(p: &mut Json) -> crate::wire::json::JResult<Pricing> {
    let mut pricing = Pricing::default();
    p.obj(|p, k| {
        match PRICES.iter().position(|n| *n == k.as_ref()) {
            Some(i) if p.kind()? != Kind::Null => *pricing.slots()[i] = Some(p.f64()?),
            _ => p.skip()?,
        }
        Ok(())
    })?;
    Ok(pricing)
}

impl ModelMetadata {
    /// Reads a pricing object alone (a config's modelProfile.pricing).
    pub fn pricing_from_json(json: &str) -> Result<Pricing> {
        let mut p = Json::new(json);
        read_pricing(&mut p).and_then(|pr| p.end().map(|_| pr)).map_err(|e| {
            LlmError::invalid_input(
                format!("pricing is not valid ({e})"),
                "pricing is { inputPerMTok?, outputPerMTok?, cachedInputPerMTok?, perImage?, perMCharacters?, perSecond? } in USD.",
            )
        })
    }
}

pub fn write_models(list: &[ModelMetadata]) -> String {
    let mut w = JsonWriter::new();
    w.begin_arr();
    for m in list {
        m.write(&mut w);
    }
    w.end_arr();
    w.finish()
}
