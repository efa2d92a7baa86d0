//! Video jobs (Sora), notes 03: the request bodies of both APIs and the job answers read
//! into one status model. Azure's Sora jobs API (`/video/generations/jobs`: statuses
//! preprocessing, queued, running, processing, succeeded, failed, cancelled; no progress;
//! the bytes under the generation's id) and the `/videos` API (Sora 2 on OpenAI and on
//! Azure's v1 path: queued, in_progress, completed, failed, with a progress percentage).
//!
//! Not wired to getVideo/streamVideo yet: the polling loop, the content download and the
//! JS methods are still to come (see the README's "Not yet done").

use crate::core::error::{ErrorCode, LlmError, Result};
use crate::prelude::*;
use crate::providers::VideoApi;
use crate::wire::json::{Json, JsonWriter, Kind};

/// Which API a model's family speaks: "sora" is Azure's jobs API, "sora-2" the /videos one.
pub fn api_of(family: &str) -> VideoApi {
    if family == "sora" {
        VideoApi::Jobs
    } else {
        VideoApi::Videos
    }
}

/// A job's status in the library's terms (the chunks' `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    Queued,
    InProgress,
    Completed,
    Failed,
    Cancelled,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::InProgress => "in_progress",
            JobState::Completed => "completed",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }
    pub fn terminal(self) -> bool {
        matches!(self, JobState::Completed | JobState::Failed | JobState::Cancelled)
    }
    fn read(s: &str) -> Option<JobState> {
        Some(match s {
            "preprocessing" | "queued" => JobState::Queued,
            "running" | "processing" | "in_progress" => JobState::InProgress,
            "succeeded" | "completed" => JobState::Completed,
            "failed" => JobState::Failed,
            "cancelled" => JobState::Cancelled,
            _ => return None,
        })
    }
}

/// One read of a job.
#[derive(Debug, PartialEq)]
pub struct Job {
    pub id: String,
    pub state: JobState,
    /// 0–100 (the /videos API only).
    pub progress: Option<u8>,
    /// What the content endpoints take: the first generation's id (jobs API) or the job's.
    pub content_id: Option<String>,
    /// Why it failed: (provider code, message).
    pub failure: Option<(Option<String>, String)>,
}

impl Job {
    /// A failed job as the contract's error: a moderation refusal is `content_filter`.
    pub fn error(&self) -> Option<LlmError> {
        let (code, message) = self.failure.clone().unwrap_or((None, String::new()));
        let filtered = code.as_deref().is_some_and(|c| {
            c == "input_moderation" || c == "output_moderation" || c.contains("moderation") || c == "ResponsibleAIPolicyViolation"
        });
        let mut e = match self.state {
            JobState::Failed if filtered => LlmError::new(
                ErrorCode::ContentFilter,
                format!("the video job {} was refused by the service's safety system: {message}", self.id),
            )
            .with_hint("Rephrase the prompt; the message says what was refused."),
            JobState::Failed => LlmError::new(
                ErrorCode::ServiceUnavailable,
                format!("the video job {} failed: {message}", self.id),
            )
            .with_hint("The service could not render this video; try again, or with another prompt or size."),
            JobState::Cancelled => LlmError::new(
                ErrorCode::ServiceUnavailable,
                format!("the video job {} was cancelled on the service", self.id),
            )
            .with_hint("Someone or something else cancelled the job; start a new one."),
            _ => return None,
        };
        e.provider_code = code;
        Some(e)
    }
}

/// Parses a job answer of either API (`VideoGenerationJob` or `VideoResource`).
pub fn parse_job(body: &[u8]) -> Result<Job> {
    let text = core::str::from_utf8(body).map_err(|_| LlmError::parse("the video job answer is not UTF-8"))?;
    let (mut id, mut status, mut progress, mut generation) = (None, None, None, None);
    let mut failure: Option<(Option<String>, String)> = None;
    let mut p = Json::new(text);
    p.obj(|p, k| {
        match (k.as_ref(), p.kind()?) {
            ("id", Kind::String) => id = Some(p.str()?.into_owned()),
            ("status", Kind::String) => status = Some(p.str()?.into_owned()),
            ("progress", Kind::Number) => progress = Some(p.f64()?.clamp(0.0, 100.0) as u8),
            ("failure_reason", Kind::String) => {
                let r = p.str()?.into_owned();
                failure = Some((Some(r.clone()), r));
            }
            ("error", Kind::Object) => {
                let (mut code, mut message) = (None, String::new());
                p.obj(|p, k| {
                    match (k.as_ref(), p.kind()?) {
                        ("code", Kind::String) => code = Some(p.str()?.into_owned()),
                        ("message", Kind::String) => message = p.str()?.into_owned(),
                        _ => p.skip()?,
                    }
                    Ok(())
                })?;
                failure = Some((code, message));
            }
            ("generations", Kind::Array) => p.arr(|p, _| {
                if p.kind()? != Kind::Object {
                    return p.skip();
                }
                p.obj(|p, k| {
                    if k == "id" && p.kind()? == Kind::String && generation.is_none() {
                        generation = Some(p.str()?.into_owned());
                    } else {
                        p.skip()?;
                    }
                    Ok(())
                })
            })?,
            _ => p.skip()?,
        }
        Ok(())
    })
    .and_then(|_| p.end())
    .map_err(|e| LlmError::parse(format!("the video job answer is not in the provider's format ({e})")))?;
    let id = id.ok_or_else(|| LlmError::parse("the video job answer has no id"))?;
    let status = status.unwrap_or_default();
    let state = JobState::read(&status)
        .ok_or_else(|| LlmError::parse(format!("the video job has an unknown status \"{status}\"")))?;
    // /videos names its content by the job; Sora jobs by their first generation.
    let content_id = match generation {
        Some(g) => Some(g),
        None if state == JobState::Completed => Some(id.clone()),
        None => None,
    };
    Ok(Job { id, state, progress, content_id, failure })
}

/// Azure Sora's sizes (notes 03), both orientations.
const JOB_SIZES: [&str; 9] = [
    "480x480", "854x480", "480x854", "720x720", "1280x720", "720x1280", "1080x1080",
    "1920x1080", "1080x1920",
];

/// The create body: `{model, prompt, width, height, n_seconds}` (jobs) or `{model, prompt,
/// seconds, size}` (/videos). `azure`: Sora 2 on Azure renders 720p only.
pub fn create_body(
    api: VideoApi,
    model: &str,
    prompt: &str,
    size: Option<&str>,
    seconds: Option<f64>,
    azure: bool,
    extra: &[(String, String)],
) -> Result<String> {
    if prompt.trim().is_empty() {
        return Err(LlmError::invalid_input("the prompt is empty", "Describe the video to generate."));
    }
    let mut w = JsonWriter::new();
    w.begin_obj();
    let ours = |k: &str| !extra.iter().any(|(e, _)| e == k);
    if ours("model") {
        w.key("model").str(model);
    }
    w.key("prompt").str(prompt);
    match api {
        VideoApi::Jobs => {
            let size = size.unwrap_or("1280x720");
            if !JOB_SIZES.contains(&size) {
                return Err(LlmError::invalid_input(
                    format!("params.size \"{size}\" is not one Sora renders"),
                    "Sora takes 480x480, 854x480, 720x720, 1280x720, 1080x1080, 1920x1080 (or portrait).",
                ));
            }
            let (wd, ht) = size.split_once('x').unwrap_or(("1280", "720"));
            w.key("width").raw(wd).key("height").raw(ht);
            if let Some(s) = seconds {
                if s != (s as u64) as f64 || !(1.0..=20.0).contains(&s) {
                    return Err(LlmError::invalid_input(
                        "params.seconds must be an integer from 1 to 20 for sora",
                        "Sora (the jobs API) renders 1 to 20 seconds; 5 is the default.",
                    ));
                }
                w.key("n_seconds").raw(&(s as u64).to_string());
            }
        }
        VideoApi::Videos => {
            let sizes: &[&str] = if azure {
                &["720x1280", "1280x720"]
            } else {
                &["720x1280", "1280x720", "1024x1792", "1792x1024"]
            };
            if let Some(size) = size {
                if !sizes.contains(&size) {
                    return Err(LlmError::invalid_input(
                        format!("params.size \"{size}\" is not one {model} renders here"),
                        format!("{model} takes size: {}.", sizes.join(", ")),
                    ));
                }
                if ours("size") {
                    w.key("size").str(size);
                }
            }
            if let Some(s) = seconds {
                if ![4.0, 8.0, 12.0].contains(&s) {
                    return Err(LlmError::invalid_input(
                        "params.seconds must be 4, 8 or 12 for Sora 2",
                        "Sora 2 renders 4, 8 or 12 seconds (4 by default).",
                    ));
                }
                if ours("seconds") {
                    // The API takes seconds as a string enum.
                    w.key("seconds").str(&(s as u64).to_string());
                }
            }
        }
    }
    for (k, v) in extra {
        w.key(k).raw(v);
    }
    w.end_obj();
    Ok(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");

    #[test]
    fn parses_the_openai_create_example() {
        let body = std::fs::read(format!("{DATA}openai/openai_video_create_response.json")).unwrap();
        let j = parse_job(&body).unwrap();
        assert_eq!(
            j,
            Job { id: "video_123".into(), state: JobState::Queued, progress: Some(0), content_id: None, failure: None }
        );
        assert!(j.error().is_none());
    }

    #[test]
    fn job_statuses_of_both_apis() {
        let spec = std::fs::read_to_string(format!("{DATA}azure/media/azure-v1-preview-generated_video-schemas.yaml")).unwrap();
        // Every JobStatus of the Azure schema maps to one of ours.
        for s in ["preprocessing", "queued", "running", "processing", "cancelled", "succeeded", "failed"] {
            assert!(spec.contains(&format!("- {s}")), "{s} is in the schema");
            let j = parse_job(format!(r#"{{"object":"video.generation.job","id":"task_1","status":"{s}"}}"#).as_bytes()).unwrap();
            assert_eq!(j.state.as_str(), match s {
                "preprocessing" | "queued" => "queued",
                "running" | "processing" => "in_progress",
                "succeeded" => "completed",
                other => other,
            });
        }
        let done = parse_job(br#"{"object":"video.generation.job","id":"task_1","status":"succeeded","generations":[{"object":"video.generation","id":"gen_9","job_id":"task_1"}]}"#).unwrap();
        assert_eq!(done.content_id.as_deref(), Some("gen_9"));
        let v = parse_job(br#"{"id":"video_1","object":"video","status":"completed","progress":100}"#).unwrap();
        assert_eq!((v.content_id.as_deref(), v.progress), (Some("video_1"), Some(100)));
        let refused = parse_job(br#"{"id":"task_2","status":"failed","failure_reason":"input_moderation"}"#).unwrap();
        assert_eq!(refused.error().unwrap().code, ErrorCode::ContentFilter);
        let failed = parse_job(br#"{"id":"video_2","status":"failed","error":{"code":"internal_error","message":"boom"}}"#).unwrap();
        let e = failed.error().unwrap();
        assert_eq!((e.code, e.provider_code.as_deref()), (ErrorCode::ServiceUnavailable, Some("internal_error")));
        assert!(e.message.contains("boom"));
        assert_eq!(parse_job(br#"{"id":"x","status":"weird"}"#).unwrap_err().code, ErrorCode::Parse);
        assert_eq!(parse_job(br#"{"status":"queued"}"#).unwrap_err().code, ErrorCode::Parse);
    }

    #[test]
    fn create_bodies_per_api() {
        let j: serde_json::Value = serde_json::from_str(&create_body(VideoApi::Jobs, "sora", "cats", Some("854x480"), Some(5.0), true, &[]).unwrap()).unwrap();
        assert_eq!(j, serde_json::json!({"model":"sora","prompt":"cats","width":854,"height":480,"n_seconds":5}));
        let v: serde_json::Value = serde_json::from_str(&create_body(VideoApi::Videos, "sora-2", "cats", Some("1280x720"), Some(8.0), false, &[]).unwrap()).unwrap();
        assert_eq!(v, serde_json::json!({"model":"sora-2","prompt":"cats","size":"1280x720","seconds":"8"}));
        for (api, size, secs, azure) in [
            (VideoApi::Jobs, Some("100x100"), None, true),
            (VideoApi::Jobs, None, Some(21.0), true),
            (VideoApi::Videos, Some("1792x1024"), None, true),
            (VideoApi::Videos, None, Some(5.0), false),
        ] {
            let e = create_body(api, "m", "cats", size, secs, azure, &[]).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidInput);
            assert!(e.hint.is_some());
        }
        assert!(create_body(VideoApi::Videos, "sora-2-pro", "cats", Some("1792x1024"), None, false, &[]).is_ok());
    }
}
