//! Video jobs (Sora), notes 03: the request bodies of both APIs and the job answers read
//! into one status model. Azure's Sora jobs API (`/video/generations/jobs`: statuses
//! preprocessing, queued, running, processing, succeeded, failed, cancelled; no progress;
//! the bytes under the generation's id) and the `/videos` API (Sora 2 on OpenAI and on
//! Azure's v1 path: queued, in_progress, completed, failed, with a progress percentage).
//!
//! A run: the job is created with failover (`Executor::complete`); once accepted it stays on
//! that endpoint: polled every `pollIntervalMs` within ctx.timeoutMs and ctx.signal, its
//! progress reported as chunks, then the MP4 read in order from the content endpoint (one
//! chunk per network read), then the thumbnail. A run dropped or failed while the job is
//! still running deletes the job (both APIs cancel by DELETE), without waiting for it.

use crate::core::context::RequestContext;
use crate::core::error::{ErrorCode, LlmError, Result};
use crate::core::llm::base64;
use crate::core::maybe_send::boxed;
use crate::core::response::{ChunkBatch, ChunkMark, FinishReason};
use crate::engine::{Executor, Opened, Operation};
use crate::prelude::*;
use crate::providers::{OpKind, Target, VideoApi, VideoStep};
use crate::resilience::race;
use crate::transport::TransportError;
use crate::wire::json::{Json, JsonWriter, Kind};
use alloc::sync::Arc;

/// The default time between two status requests.
pub const DEFAULT_POLL_MS: f64 = 5000.0;

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
        matches!(
            self,
            JobState::Completed | JobState::Failed | JobState::Cancelled
        )
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
            c == "input_moderation"
                || c == "output_moderation"
                || c.contains("moderation")
                || c == "ResponsibleAIPolicyViolation"
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
    let text = core::str::from_utf8(body)
        .map_err(|_| LlmError::parse("the video job answer is not UTF-8"))?;
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
    .map_err(|e| {
        LlmError::parse(format!(
            "the video job answer is not in the provider's format ({e})"
        ))
    })?;
    let id = id.ok_or_else(|| LlmError::parse("the video job answer has no id"))?;
    let status = status.unwrap_or_default();
    let state = JobState::read(&status).ok_or_else(|| {
        LlmError::parse(format!("the video job has an unknown status \"{status}\""))
    })?;
    // /videos names its content by the job; Sora jobs by their first generation.
    let content_id = match generation {
        Some(g) => Some(g),
        None if state == JobState::Completed => Some(id.clone()),
        None => None,
    };
    Ok(Job {
        id,
        state,
        progress,
        content_id,
        failure,
    })
}

/// Azure Sora's sizes (notes 03), both orientations.
const JOB_SIZES: [&str; 9] = [
    "480x480",
    "854x480",
    "480x854",
    "720x720",
    "1280x720",
    "720x1280",
    "1080x1080",
    "1920x1080",
    "1080x1920",
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
        return Err(LlmError::invalid_input(
            "the prompt is empty",
            "Describe the video to generate.",
        ));
    }
    let chars = prompt.chars().count();
    if chars > 32_000 {
        return Err(LlmError::invalid_input(
            format!("the prompt is {chars} characters; Sora takes at most 32,000"),
            "Shorten the prompt.",
        ));
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

/// The model name a video body carries: Azure's deployment, or the endpoint's model.
fn body_model(t: &dyn Target) -> &str {
    t.deployment()
        .or(t.body_model())
        .unwrap_or(&t.profile().meta.model_name)
}

/// The create request (failed over like any call until one endpoint accepts it).
pub struct CreateOp {
    pub api: VideoApi,
    pub prompt: String,
    pub size: Option<String>,
    pub seconds: Option<f64>,
    pub extra: Vec<(String, String)>,
}

impl CreateOp {
    /// Checks the request against one endpoint (nothing is sent on failure).
    pub fn check(&self, t: &dyn Target) -> Result<()> {
        let fam = t.profile().meta.family.as_str();
        if api_of(fam) != self.api {
            return Err(LlmError::invalid_input(
                format!("an endpoint's model {} speaks another video API than the first's", t.profile().meta.model_name),
                "Give a video model backups of the same family (sora with sora, sora-2 with sora-2 or sora-2-pro).",
            ));
        }
        if self.api == VideoApi::Jobs && t.deployment().is_none() {
            return Err(LlmError::invalid_input(
                "sora (the jobs API) is Azure's",
                "Use sora-2 or sora-2-pro on OpenAI, or sora on an Azure endpoint.",
            ));
        }
        self.body(t).map(|_| ())
    }
}

impl Operation for CreateOp {
    fn kind(&self) -> OpKind {
        OpKind::Video {
            api: self.api,
            step: VideoStep::Create,
        }
    }
    fn body(&self, t: &dyn Target) -> Result<String> {
        create_body(
            self.api,
            body_model(t),
            &self.prompt,
            self.size.as_deref(),
            self.seconds,
            t.deployment().is_some(),
            &self.extra,
        )
    }
}

/// A later request of the job: its id is what `prepare` gets as the body.
struct StepOp {
    api: VideoApi,
    step: VideoStep,
    id: String,
}

impl Operation for StepOp {
    fn kind(&self) -> OpKind {
        OpKind::Video {
            api: self.api,
            step: self.step,
        }
    }
    fn body(&self, _: &dyn Target) -> Result<String> {
        Ok(self.id.clone())
    }
}

/// The create answer, checked inside the executor (so an unreadable one fails over) and
/// kept as bytes: `complete` is then the same instantiation getAudio uses, not a second
/// copy of it in the wasm.
fn check_job_answer(_: &dyn Target, body: &[u8]) -> Result<Vec<u8>> {
    parse_job(body).map(|_| body.to_vec())
}

/// Deletes a running job when dropped (the caller aborted, the deadline passed, or a read
/// failed); `done` disarms it once the job ended on its own.
struct CancelOnDrop {
    exec: Arc<Executor>,
    endpoint: usize,
    api: VideoApi,
    id: String,
    armed: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let exec = self.exec.clone();
        let (endpoint, api, id) = (self.endpoint, self.api, core::mem::take(&mut self.id));
        let work = boxed(async move {
            let op = StepOp {
                api,
                step: VideoStep::Delete,
                id,
            };
            let ctx = RequestContext::default();
            let deadline = Some(exec.clock.now_ms() + 10_000.0);
            if let Ok(mut o) = exec.send_to(endpoint, &op, &ctx, deadline).await {
                o.response.body.cancel();
            }
        });
        self.exec.detach(work);
    }
}

enum Phase {
    Create(CreateOp),
    Poll,
    Content,
    Reading(Opened),
    Thumbnail,
    Done,
}

/// One getVideo/streamVideo call.
pub struct VideoRun {
    exec: Arc<Executor>,
    ctx: RequestContext,
    deadline: Option<f64>,
    api: VideoApi,
    interval: f64,
    phase: Phase,
    endpoint: usize,
    job_id: String,
    content_id: Option<String>,
    last: Option<(JobState, Option<u8>)>,
    cancel: Option<CancelOnDrop>,
    failed_polls: u32,
    /// Video bytes delivered so far (bounded by limits.maxStreamBytes).
    delivered: usize,
    /// The seconds of video asked for (or the API's default): what the job is billed by.
    seconds: f64,
    /// The model's running usage and cost.
    totals: crate::chat::Totals,
}

/// A chunk's description (its `reasoning` slot): status, progress, job id, and which bytes
/// its text carries (base64).
fn mark(
    state: &str,
    progress: Option<u8>,
    job: Option<&str>,
    model: Option<&str>,
    part: Option<&str>,
) -> ChunkMark {
    let mut w = JsonWriter::new();
    w.begin_obj().key("status").str(state);
    if let Some(p) = progress {
        w.key("progress").num(p as f64);
    }
    w.opt_str("jobId", job)
        .opt_str("model", model)
        .opt_str("part", part);
    w.end_obj();
    ChunkMark {
        reasoning: Some(w.finish()),
        ..Default::default()
    }
}

impl VideoRun {
    pub fn new(
        exec: Arc<Executor>,
        ctx: RequestContext,
        create: CreateOp,
        interval: f64,
        totals: crate::chat::Totals,
    ) -> VideoRun {
        VideoRun {
            // The APIs' defaults: 5 seconds (Sora jobs), 4 (Sora 2's /videos).
            seconds: create.seconds.unwrap_or(if create.api == VideoApi::Jobs {
                5.0
            } else {
                4.0
            }),
            totals,
            deadline: exec.deadline(&ctx),
            api: create.api,
            exec,
            ctx,
            interval,
            phase: Phase::Create(create),
            endpoint: 0,
            job_id: String::new(),
            content_id: None,
            last: None,
            cancel: None,
            failed_polls: 0,
            delivered: 0,
        }
    }

    /// Takes in one job read: the next phase, and a chunk when the status or progress moved.
    fn observe(&mut self, job: Job, batch: &mut ChunkBatch, model: Option<&str>) -> Result<()> {
        if job.content_id.is_some() {
            self.content_id = job.content_id.clone();
        }
        if job.state.terminal() {
            if let Some(c) = self.cancel.as_mut() {
                c.armed = false;
            }
        }
        if let Some(e) = job.error() {
            self.phase = Phase::Done;
            return Err(e);
        }
        if job.state == JobState::Completed {
            self.phase = Phase::Content;
            return Ok(());
        }
        let now = (job.state, job.progress);
        if self.last != Some(now) || model.is_some() {
            self.last = Some(now);
            batch.push(
                "",
                mark(job.state.as_str(), job.progress, Some(&job.id), model, None),
            );
        }
        self.phase = Phase::Poll;
        Ok(())
    }

    /// The next batch of chunks, or None at the end.
    pub async fn next(&mut self) -> Option<Result<ChunkBatch>> {
        let r = self.step().await;
        if r.is_err() {
            self.phase = Phase::Done;
        }
        r.transpose()
    }

    async fn step(&mut self) -> Result<Option<ChunkBatch>> {
        let mut batch = ChunkBatch::default();
        loop {
            match core::mem::replace(&mut self.phase, Phase::Done) {
                Phase::Done => return Ok(None),
                Phase::Create(op) => {
                    let s = self.exec.complete(&op, &self.ctx, check_job_answer).await?;
                    let job = parse_job(&s.value)?;
                    self.endpoint = s.endpoint;
                    self.job_id = job.id.clone();
                    self.cancel = Some(CancelOnDrop {
                        exec: self.exec.clone(),
                        endpoint: s.endpoint,
                        api: self.api,
                        id: self.job_id.clone(),
                        armed: true,
                    });
                    batch.endpoint = Some(s.origin.clone());
                    batch.attempts = Some(s.attempts);
                    let model = self
                        .exec
                        .target(s.endpoint)
                        .profile()
                        .meta
                        .model_name
                        .clone();
                    self.observe(job, &mut batch, Some(&model))?;
                    if !batch.is_empty() {
                        return Ok(Some(batch));
                    }
                }
                Phase::Poll => {
                    self.exec
                        .pause(self.interval, &self.ctx, self.deadline)
                        .await?;
                    let op = StepOp {
                        api: self.api,
                        step: VideoStep::Status,
                        id: self.job_id.clone(),
                    };
                    let read = match self
                        .exec
                        .send_to(self.endpoint, &op, &self.ctx, self.deadline)
                        .await
                    {
                        Ok(mut o) => self
                            .exec
                            .read_body(&mut o, &self.ctx, self.deadline)
                            .await
                            .and_then(|b| parse_job(&b)),
                        Err(e) => Err(e),
                    };
                    match read {
                        // A passing outage while the job runs: ask again at the next interval.
                        Err(e) if e.code.is_failover() && !e.terminal && self.failed_polls < 3 => {
                            self.failed_polls += 1;
                            self.phase = Phase::Poll;
                        }
                        Err(e) => return Err(e),
                        Ok(job) => {
                            self.failed_polls = 0;
                            self.observe(job, &mut batch, None)?;
                            if !batch.is_empty() {
                                return Ok(Some(batch));
                            }
                        }
                    }
                }
                Phase::Content => {
                    let id = self
                        .content_id
                        .clone()
                        .unwrap_or_else(|| self.job_id.clone());
                    let op = StepOp {
                        api: self.api,
                        step: VideoStep::Content,
                        id,
                    };
                    let o = self
                        .exec
                        .send_to(self.endpoint, &op, &self.ctx, self.deadline)
                        .await?;
                    self.phase = Phase::Reading(o);
                }
                Phase::Reading(mut o) => {
                    let read = race(
                        o.response.body.read(),
                        &*self.exec.clock,
                        &self.ctx.cancel,
                        self.deadline,
                        self.exec.policy.idle_timeout_ms,
                    )
                    .await;
                    match read {
                        Ok(Ok(Some(bytes))) => {
                            self.delivered += bytes.len();
                            let limit = self.exec.policy.limits.max_stream_bytes;
                            if self.delivered > limit {
                                o.response.body.cancel();
                                return Err(LlmError::too_large("the video", limit));
                            }
                            batch.push(&base64(&bytes), mark("completed", None, None, None, Some("video")));
                            self.phase = Phase::Reading(o);
                            return Ok(Some(batch));
                        }
                        Ok(Ok(None)) => self.phase = Phase::Thumbnail,
                        Ok(Err(TransportError::Cancelled)) => return Err(LlmError::aborted()),
                        Ok(Err(TransportError::Connection(why))) => {
                            return Err(LlmError::new(
                                ErrorCode::Connection,
                                format!("the video download broke off: {why}"),
                            )
                            .with_hint("The job's video stays on the service for a while (about a day); download it again with a new call or the job id."))
                        }
                        Err(why) => {
                            o.response.body.cancel();
                            o.token.cancel(ErrorCode::Aborted);
                            return Err(self.exec.interrupt_error(why, &self.ctx, "while downloading the video"));
                        }
                    }
                }
                Phase::Thumbnail => {
                    let id = self
                        .content_id
                        .clone()
                        .unwrap_or_else(|| self.job_id.clone());
                    let op = StepOp {
                        api: self.api,
                        step: VideoStep::Thumbnail,
                        id,
                    };
                    // The thumbnail is a courtesy: without one the video is still complete.
                    let thumb = match self
                        .exec
                        .send_to(self.endpoint, &op, &self.ctx, self.deadline)
                        .await
                    {
                        Ok(mut o) => self
                            .exec
                            .read_body(&mut o, &self.ctx, self.deadline)
                            .await
                            .ok(),
                        Err(e) if e.code == ErrorCode::Aborted || e.terminal => return Err(e),
                        Err(_) => None,
                    };
                    let mut m = mark(
                        "completed",
                        Some(100).filter(|_| self.api == VideoApi::Videos),
                        Some(&self.job_id),
                        None,
                        Some("thumbnail"),
                    );
                    m.finish_reason = Some(FinishReason::Stop);
                    // The job's usage: the seconds made, at the model's price per second.
                    let target = self.exec.target(self.endpoint);
                    let mut u = crate::core::response::Usage::default();
                    u.media.seconds = Some(self.seconds);
                    u.cost_usd =
                        super::cost::video_seconds(&target.profile().meta.pricing, self.seconds);
                    super::cost::account(&self.totals, target, &u);
                    m.usage = Some(u);
                    batch.push(&thumb.map(|t| base64(&t)).unwrap_or_default(), m);
                    return Ok(Some(batch));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");

    #[test]
    fn parses_the_openai_create_example() {
        let body =
            std::fs::read(format!("{DATA}openai/openai_video_create_response.json")).unwrap();
        let j = parse_job(&body).unwrap();
        assert_eq!(
            j,
            Job {
                id: "video_123".into(),
                state: JobState::Queued,
                progress: Some(0),
                content_id: None,
                failure: None
            }
        );
        assert!(j.error().is_none());
    }

    #[test]
    fn job_statuses_of_both_apis() {
        let spec = std::fs::read_to_string(format!(
            "{DATA}azure/media/azure-v1-preview-generated_video-schemas.yaml"
        ))
        .unwrap();
        // Every JobStatus of the Azure schema maps to one of ours.
        for s in [
            "preprocessing",
            "queued",
            "running",
            "processing",
            "cancelled",
            "succeeded",
            "failed",
        ] {
            assert!(spec.contains(&format!("- {s}")), "{s} is in the schema");
            let j = parse_job(
                format!(r#"{{"object":"video.generation.job","id":"task_1","status":"{s}"}}"#)
                    .as_bytes(),
            )
            .unwrap();
            assert_eq!(
                j.state.as_str(),
                match s {
                    "preprocessing" | "queued" => "queued",
                    "running" | "processing" => "in_progress",
                    "succeeded" => "completed",
                    other => other,
                }
            );
        }
        let done = parse_job(br#"{"object":"video.generation.job","id":"task_1","status":"succeeded","generations":[{"object":"video.generation","id":"gen_9","job_id":"task_1"}]}"#).unwrap();
        assert_eq!(done.content_id.as_deref(), Some("gen_9"));
        let v =
            parse_job(br#"{"id":"video_1","object":"video","status":"completed","progress":100}"#)
                .unwrap();
        assert_eq!(
            (v.content_id.as_deref(), v.progress),
            (Some("video_1"), Some(100))
        );
        let refused =
            parse_job(br#"{"id":"task_2","status":"failed","failure_reason":"input_moderation"}"#)
                .unwrap();
        assert_eq!(refused.error().unwrap().code, ErrorCode::ContentFilter);
        let failed = parse_job(br#"{"id":"video_2","status":"failed","error":{"code":"internal_error","message":"boom"}}"#).unwrap();
        let e = failed.error().unwrap();
        assert_eq!(
            (e.code, e.provider_code.as_deref()),
            (ErrorCode::ServiceUnavailable, Some("internal_error"))
        );
        assert!(e.message.contains("boom"));
        assert_eq!(
            parse_job(br#"{"id":"x","status":"weird"}"#)
                .unwrap_err()
                .code,
            ErrorCode::Parse
        );
        assert_eq!(
            parse_job(br#"{"status":"queued"}"#).unwrap_err().code,
            ErrorCode::Parse
        );
    }

    #[test]
    fn create_bodies_per_api() {
        let j: serde_json::Value = serde_json::from_str(
            &create_body(
                VideoApi::Jobs,
                "sora",
                "cats",
                Some("854x480"),
                Some(5.0),
                true,
                &[],
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            j,
            serde_json::json!({"model":"sora","prompt":"cats","width":854,"height":480,"n_seconds":5})
        );
        let v: serde_json::Value = serde_json::from_str(
            &create_body(
                VideoApi::Videos,
                "sora-2",
                "cats",
                Some("1280x720"),
                Some(8.0),
                false,
                &[],
            )
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"model":"sora-2","prompt":"cats","size":"1280x720","seconds":"8"})
        );
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
        assert!(create_body(
            VideoApi::Videos,
            "sora-2-pro",
            "cats",
            Some("1792x1024"),
            None,
            false,
            &[]
        )
        .is_ok());
    }
}
