// The Video tab: a Sora job through streamVideo. Status chunks (queued, in_progress with a
// percentage) drive the progress bar; "completed" chunks carry the MP4's bytes in order,
// which then play in a <video>; the job's thumbnail is shown when the provider has one.
import { $, llmFor, slow, ms, costOf, usd, kb, modelOptions, Run } from "./shared.js";

const run = new Run({ run: "vid-run", stop: "vid-stop", result: "vid-result", state: "vid-state", stats: "vid-stats", attempts: "vid-attempts", error: "vid-error" });
const models = modelOptions($("vid-model"), (m) => m.outputTypes.includes("video"), "sora-2");
let urls = [];
// What each API takes: Azure's Sora jobs API (sora) and the /videos API (sora-2, sora-2-pro;
// on Azure's v1 path the two landscape and portrait 720p sizes).
const JOBS = { sizes: ["1280x720", "720x1280", "480x480", "854x480", "480x854", "720x720", "1080x1080", "1920x1080", "1080x1920"], seconds: [5, 10, 15, 20] };
const VIDEOS = { sizes: ["1280x720", "720x1280"], seconds: [4, 8, 12] };
function fitControls() {
  const api = $("vid-model").value === "sora" ? JOBS : VIDEOS;
  const keep = [$("vid-size").value, Number($("vid-seconds").value)];
  $("vid-size").replaceChildren(...api.sizes.map((x) => new Option(x, x)));
  $("vid-seconds").replaceChildren(...api.seconds.map((x) => new Option(String(x), String(x))));
  if (api.sizes.includes(keep[0])) $("vid-size").value = keep[0];
  if (api.seconds.includes(keep[1])) $("vid-seconds").value = String(keep[1]);
}
$("vid-model").addEventListener("change", fitControls);
fitControls();
if (!models.length) {
  // Nothing to pick: say what is missing rather than offer a button that cannot work.
  $("vid-model").append(new Option("no video model in this build", ""));
  $("vid-model").disabled = true;
  $("vid-run").disabled = true;
  $("vid-note").textContent = "This build of llm-edge lists no video model (listModels() has none with outputTypes \"video\"), so there is nothing to generate with.";
} else {
  $("vid-note").textContent = "The job is created, then polled; once it succeeds the MP4 streams in and plays.";
}

const label = (s) => ({ queued: "queued", preprocessing: "preprocessing", in_progress: "in progress", running: "running", processing: "processing", completed: "completed", succeeded: "completed" })[s] ?? s;

$("vid-run").addEventListener("click", async () => {
  for (const u of urls) URL.revokeObjectURL(u);
  urls = [];
  const player = $("vid-player");
  player.pause();
  player.removeAttribute("src");
  player.removeAttribute("poster");
  player.hidden = true;
  $("vid-placeholder").hidden = false;
  $("vid-placeholder").textContent = "Waiting for the job…";
  $("vid-thumb-fig").hidden = true;
  $("vid-download").hidden = true;
  $("vid-progress").value = 0;
  $("vid-status").textContent = "creating the job…";
  const result = $("vid-result");
  result.dataset.chunks = "0";
  delete result.dataset.jobId;
  delete result.dataset.duration;
  delete result.dataset.width;
  const model = $("vid-model").value;
  const seconds = Number($("vid-seconds").value);
  const params = { size: $("vid-size").value, seconds, pollIntervalMs: Math.max(100, Number($("vid-poll").value) || 500) };
  let prompt = $("vid-prompt").value;
  // The emulator's job then takes 20 status reads instead of 4.
  if (slow()) prompt += " [[video-steps:20]]";
  const signal = run.start();
  const parts = [];
  let bytes = 0;
  let status = "";
  let usage;
  let stream;
  try {
    stream = llmFor("video", model).streamVideo(prompt, { signal }, params);
    for await (const chunk of stream) {
      result.dataset.chunks = String(Number(result.dataset.chunks) + 1);
      status = chunk.status;
      // A percentage when the API gives one (the /videos API); else the bar is indeterminate.
      if (typeof chunk.progress === "number") $("vid-progress").value = chunk.progress;
      else if (!chunk.video && !chunk.thumbnail && status !== "completed") $("vid-progress").removeAttribute("value");
      if (chunk.jobId) result.dataset.jobId = chunk.jobId;
      if (chunk.video?.length) {
        parts.push(chunk.video);
        bytes += chunk.video.length;
        $("vid-progress").value = 100;
        $("vid-status").textContent = `downloading · ${kb(bytes)}`;
      } else if (!chunk.thumbnail) {
        $("vid-status").textContent = `${label(status)}${typeof chunk.progress === "number" ? ` · ${Math.round(chunk.progress)}%` : ""}`;
      }
      if (chunk.thumbnail?.length) showThumbnail(chunk.thumbnail);
      if (chunk.usage) usage = chunk.usage; // the last chunk: seconds and costUsd
    }
    const blob = new Blob(parts, { type: "video/mp4" });
    const url = URL.createObjectURL(blob);
    urls.push(url);
    player.src = url;
    player.hidden = false;
    $("vid-placeholder").hidden = true;
    // The page's own decoder reads the file: duration and frame size come from it.
    const meta = await new Promise((resolve, reject) => {
      player.addEventListener("loadedmetadata", () => resolve({ duration: player.duration, width: player.videoWidth, height: player.videoHeight }), { once: true });
      player.addEventListener("error", () => reject(new Error(`The browser could not read the video (${player.error?.message || `media error ${player.error?.code}`}).`)), { once: true });
    });
    Object.assign(result.dataset, { duration: String(meta.duration), width: String(meta.width), height: String(meta.height) });
    $("vid-status").textContent = `ready · ${meta.duration.toFixed(1)} s · ${meta.width}×${meta.height}`;
    const a = $("vid-download");
    a.href = url;
    a.textContent = `Download MP4 (${kb(blob.size)})`;
    a.hidden = false;
    run.setAttempts(stream.attempts);
    run.setStats([
      ["served by", stream.endpoint],
      ["job", result.dataset.jobId ?? "—"],
      ["total", ms(run.elapsed())],
      ["video", `${meta.duration.toFixed(2)} s · ${meta.width}×${meta.height} · ${kb(bytes)}`],
      ["cost", usd(costOf(usage))],
    ]);
    run.setState("done");
  } catch (e) {
    $("vid-status").textContent = e?.code === "aborted" ? `stopped (${label(status) || "before the job started"})` : "failed";
    $("vid-placeholder").textContent = "No video.";
    run.fail(e, { endpoint: stream?.endpoint, attempts: stream?.attempts, extra: [["last status", label(status) || "—"]] });
  } finally {
    run.finish();
  }
});

function showThumbnail(bytes) {
  const type = bytes[0] === 0x89 ? "image/png" : bytes[0] === 0xff ? "image/jpeg" : "image/webp";
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  urls.push(url);
  $("vid-thumb").src = url;
  $("vid-thumb-fig").hidden = false;
  $("vid-player").poster = url; // the still the player shows until it plays
}
