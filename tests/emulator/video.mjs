// The emulator's video jobs (notes 03), with a status machine advanced by each status read:
//   Azure Sora jobs  /openai/v1/video/generations/jobs[/{id}] (POST, GET, DELETE),
//                    /openai/v1/video/generations/{generation}/content/{video|thumbnail}
//                    statuses preprocessing → queued → running → processing → succeeded
//   /videos          /v1/videos and /openai/v1/videos[/{id}] (POST, GET, DELETE),
//                    /videos/{id}/content[?variant=thumbnail]; queued → in_progress with
//                    progress 25, 50, 75 → completed (100)
// The video is a small MP4 derived from the prompt, size and seconds (ftyp; moov with mvhd
// and one avc1 video trak whose avcC carries an SPS of the requested size; mdat with one
// sample a second): what a <video> element reads metadata (duration, dimensions) from. Its
// samples are not decodable pictures. The thumbnail is a PNG (the APIs send JPEG or WebP;
// the emulator has no encoder for those), answered with content-type image/png.
// Directives in the prompt: [[video:failed]], [[video:moderation]] (the job fails),
// [[video-steps:N]] (status reads before it finishes, default 4).
import { randomUUID } from "node:crypto";
import { promptImage } from "./media.mjs";

export const VIDEO_MODELS = { sora: "jobs", "sora-2": "videos", "sora-2-pro": "videos" };
const JOB_SIZES = ["480x480", "854x480", "480x854", "720x720", "1280x720", "720x1280", "1080x1080", "1920x1080", "1080x1920"];

// ---------------------------------------------------------------- MP4

const box = (type, ...parts) => {
  const body = Buffer.concat(parts);
  const h = Buffer.alloc(8);
  h.writeUInt32BE(8 + body.length, 0);
  h.write(type, 4, "latin1");
  return Buffer.concat([h, body]);
};
const full = (type, version, flags, ...parts) => box(type, Buffer.from([version, (flags >> 16) & 255, (flags >> 8) & 255, flags & 255]), ...parts);
const u32 = (...v) => {
  const b = Buffer.alloc(4 * v.length);
  v.forEach((x, i) => b.writeUInt32BE(x >>> 0, 4 * i));
  return b;
};
const u16 = (...v) => {
  const b = Buffer.alloc(2 * v.length);
  v.forEach((x, i) => b.writeUInt16BE(x, 2 * i));
  return b;
};
const MATRIX = u32(0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000);

/** Exp-Golomb bit writer for the SPS and PPS. */
function bits() {
  const out = [];
  let cur = 0, n = 0;
  const put = (v, len) => {
    for (let i = len - 1; i >= 0; i--) {
      cur = (cur << 1) | ((v >> i) & 1);
      if (++n === 8) out.push(cur), (cur = 0), (n = 0);
    }
  };
  const ue = (v) => {
    const x = v + 1;
    const len = 32 - Math.clz32(x);
    put(0, len - 1);
    put(x, len);
  };
  const finish = () => {
    put(1, 1); // rbsp_stop_one_bit
    while (n !== 0) put(0, 1);
    return Buffer.from(out);
  };
  return { put, ue, se: (v) => ue(v <= 0 ? -2 * v : 2 * v - 1), finish };
}

/** A Baseline-profile SPS for width x height (cropped to non-multiples of 16). */
function sps(width, height) {
  const b = bits();
  b.put(66, 8); // profile_idc: Baseline
  b.put(0xc0, 8); // constraint flags
  b.put(30, 8); // level 3.0
  b.ue(0); // seq_parameter_set_id
  b.ue(0); // log2_max_frame_num_minus4
  b.ue(2); // pic_order_cnt_type
  b.ue(1); // max_num_ref_frames
  b.put(0, 1); // gaps_in_frame_num_value_allowed_flag
  const mbw = Math.ceil(width / 16), mbh = Math.ceil(height / 16);
  b.ue(mbw - 1);
  b.ue(mbh - 1);
  b.put(1, 1); // frame_mbs_only_flag
  b.put(1, 1); // direct_8x8_inference_flag
  const cropR = (mbw * 16 - width) / 2, cropB = (mbh * 16 - height) / 2;
  if (cropR || cropB) {
    b.put(1, 1);
    b.ue(0);
    b.ue(cropR);
    b.ue(0);
    b.ue(cropB);
  } else b.put(0, 1);
  b.put(0, 1); // vui_parameters_present_flag
  return Buffer.concat([Buffer.from([0x67]), b.finish()]);
}
function pps() {
  const b = bits();
  b.ue(0); // pic_parameter_set_id
  b.ue(0); // seq_parameter_set_id
  b.put(0, 1); // entropy_coding_mode_flag
  b.put(0, 1); // bottom_field_pic_order_in_frame_present_flag
  b.ue(0); // num_slice_groups_minus1
  b.ue(0); // num_ref_idx_l0_default_active_minus1
  b.ue(0); // num_ref_idx_l1_default_active_minus1
  b.put(0, 1); // weighted_pred_flag
  b.put(0, 2); // weighted_bipred_idc
  b.se(0); // pic_init_qp_minus26
  b.se(0); // pic_init_qs_minus26
  b.se(0); // chroma_qp_index_offset
  b.put(1, 1); // deblocking_filter_control_present_flag
  b.put(0, 1); // constrained_intra_pred_flag
  b.put(0, 1); // redundant_pic_cnt_present_flag
  return Buffer.concat([Buffer.from([0x68]), b.finish()]);
}

/** A small MP4 for `prompt`: width x height, `seconds` long, one sample a second. */
export function videoMp4(prompt, width, height, seconds) {
  const timescale = 1000;
  const duration = seconds * timescale;
  // Samples: a length-prefixed NAL whose bytes come from the prompt (deterministic).
  const samples = [];
  for (let i = 0; i < seconds; i++) {
    const nal = Buffer.from(`\x65${prompt}#${i}`.padEnd(64, "."), "latin1");
    samples.push(Buffer.concat([u32(nal.length), nal]));
  }
  const ftyp = box("ftyp", Buffer.from("isom", "latin1"), u32(0x200), Buffer.from("isomiso2avc1mp41", "latin1"));
  const s = sps(width, height), p = pps();
  const avcC = box("avcC", Buffer.from([1, s[1], s[2], s[3], 0xff, 0xe1]), u16(s.length), s, Buffer.from([1]), u16(p.length), p);
  const avc1 = box("avc1", Buffer.alloc(6), u16(1), Buffer.alloc(16), u16(width, height), u32(0x480000, 0x480000, 0), u16(1), Buffer.alloc(32), u16(0x18, 0xffff), avcC);
  const mdatHeader = 8;
  const sizes = samples.map((x) => x.length);
  const stbl = (offset) =>
    box(
      "stbl",
      full("stsd", 0, 0, u32(1), avc1),
      full("stts", 0, 0, u32(1, seconds, timescale)),
      full("stss", 0, 0, u32(seconds, ...Array.from({ length: seconds }, (_, i) => i + 1))),
      full("stsc", 0, 0, u32(1, 1, seconds, 1)),
      full("stsz", 0, 0, u32(0, seconds, ...sizes)),
      full("stco", 0, 0, u32(1, offset)),
    );
  const moov = (offset) =>
    box(
      "moov",
      full("mvhd", 0, 0, u32(0, 0, timescale, duration, 0x10000), u16(0x100, 0), u32(0, 0), MATRIX, Buffer.alloc(24), u32(2)),
      box(
        "trak",
        full("tkhd", 0, 3, u32(0, 0, 1, 0, duration, 0, 0), u16(0, 0, 0, 0), MATRIX, u32(width << 16, height << 16)),
        box(
          "mdia",
          full("mdhd", 0, 0, u32(0, 0, timescale, duration), u16(0x55c4, 0)),
          full("hdlr", 0, 0, u32(0), Buffer.from("vide", "latin1"), u32(0, 0, 0), Buffer.from("VideoHandler\0", "latin1")),
          box("minf", full("vmhd", 0, 1, u16(0, 0, 0, 0)), box("dinf", full("dref", 0, 0, u32(1), full("url ", 0, 1))), stbl(offset)),
        ),
      ),
    );
  const moovLen = moov(0).length;
  const offset = ftyp.length + moovLen + mdatHeader;
  return Buffer.concat([ftyp, moov(offset), box("mdat", ...samples)]);
}

// ---------------------------------------------------------------- the routes

/** Which video route a path names (after the gateway prefix), if any. */
export function videoRoute(path) {
  let m = /^\/openai\/v1\/video\/generations\/jobs(?:\/([^/]+))?$/.exec(path);
  if (m) return { kind: "azure-v1", api: "jobs", id: m[1] && decodeURIComponent(m[1]), what: "job" };
  m = /^\/openai\/v1\/video\/generations\/([^/]+)\/content\/(video|thumbnail)$/.exec(path);
  if (m) return { kind: "azure-v1", api: "jobs", id: decodeURIComponent(m[1]), what: m[2] };
  m = /^(\/openai)?\/v1\/videos(?:\/([^/]+)(\/content)?)?$/.exec(path);
  if (m) return { kind: m[1] ? "azure-v1" : "openai", api: "videos", id: m[2] && decodeURIComponent(m[2]), what: m[3] ? "content" : "job" };
  return undefined;
}

const STEPS = { jobs: ["preprocessing", "queued", "running", "processing"], videos: ["queued", "in_progress", "in_progress", "in_progress"] };

function jobView(j) {
  const done = j.status === "succeeded" || j.status === "completed";
  if (j.api === "jobs") {
    const out = { object: "video.generation.job", id: j.id, status: j.status, created_at: j.created, finished_at: done ? j.created + 1 : null, expires_at: done ? j.created + 86400 : null, prompt: j.prompt, model: j.model, n_variants: 1, n_seconds: j.seconds, height: j.height, width: j.width, failure_reason: j.failure ?? null };
    out.generations = done ? [{ object: "video.generation", id: j.generation, job_id: j.id, created_at: j.created, width: j.width, height: j.height, n_seconds: j.seconds, prompt: j.prompt }] : [];
    return out;
  }
  return { id: j.id, object: "video", model: j.model, status: j.status, progress: j.progress, created_at: j.created, completed_at: done ? j.created + 1 : null, expires_at: done ? j.created + 86400 : null, prompt: j.prompt, size: `${j.width}x${j.height}`, seconds: String(j.seconds), remixed_from_video_id: null, error: j.error ?? null };
}

/** Advances a job one status read. */
function advance(j) {
  if (["succeeded", "completed", "failed", "cancelled"].includes(j.status)) return;
  j.reads++;
  if (j.reads >= j.steps) {
    if (j.fail) {
      j.status = "failed";
      if (j.api === "jobs") j.failure = j.fail === "moderation" ? "input_moderation" : "internal_error";
      else j.error = j.fail === "moderation" ? { code: "moderation_blocked", message: "Your request was blocked by our moderation system." } : { code: "internal_error", message: "The video could not be generated." };
      return;
    }
    j.status = j.api === "jobs" ? "succeeded" : "completed";
    j.progress = 100;
    return;
  }
  j.status = STEPS[j.api][Math.min(j.reads, 3)];
  j.progress = Math.round((100 * j.reads) / j.steps);
}

/** Handles a video request that passed auth. `model` is the deployment's model for a
 *  create (POST), undefined otherwise. */
export function video(x) {
  const { req, res, route, body, model, fail, send, headers, jobs } = x;
  const m = req.method;
  if (route.id === undefined) {
    if (m !== "POST") return fail(405, { message: `Method ${m} not allowed here.` });
    const api = VIDEO_MODELS[model];
    if (api !== route.api) return fail(400, { message: `The model ${model} does not support this video API.`, code: "OperationNotSupported" });
    const prompt = typeof body.prompt === "string" ? body.prompt : "";
    if (!prompt) return fail(400, { message: "Missing required parameter: 'prompt'.", param: "prompt", code: "missing_required_parameter" });
    let width, height, seconds;
    if (api === "jobs") {
      for (const k of Object.keys(body)) if (!["model", "prompt", "width", "height", "n_seconds", "n_variants"].includes(k)) return fail(400, { message: `Unrecognized request argument supplied: ${k}`, param: k });
      ({ width, height } = body);
      if (!JOB_SIZES.includes(`${width}x${height}`)) return fail(400, { message: `Unsupported resolution ${width}x${height}.`, param: "width" });
      seconds = body.n_seconds ?? 5;
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 20) return fail(400, { message: "n_seconds must be between 1 and 20.", param: "n_seconds" });
    } else {
      for (const k of Object.keys(body)) if (!["model", "prompt", "seconds", "size", "input_reference"].includes(k)) return fail(400, { message: `Unknown parameter: '${k}'.`, param: k });
      const size = body.size ?? "720x1280";
      const sizes = route.kind === "azure-v1" ? ["720x1280", "1280x720"] : ["720x1280", "1280x720", "1024x1792", "1792x1024"];
      if (!sizes.includes(size)) return fail(400, { message: `Invalid value: '${size}'. Supported values are: ${sizes.map((s) => `'${s}'`).join(", ")}.`, param: "size", code: "invalid_value" });
      [width, height] = size.split("x").map(Number);
      const s = body.seconds ?? "4";
      if (!["4", "8", "12"].includes(s)) return fail(400, { message: `Invalid value: '${s}'. Supported values are: '4', '8', and '12'.`, param: "seconds", code: "invalid_value" });
      seconds = Number(s);
    }
    const steps = Number(/\[\[video-steps:(\d+)\]\]/.exec(prompt)?.[1] ?? 4);
    const id = api === "jobs" ? `task_${randomUUID().replace(/-/g, "")}` : `video_${randomUUID().replace(/-/g, "")}`;
    const j = { id, api, kind: route.kind, model, prompt, width, height, seconds, steps, reads: 0, status: STEPS[api][0], progress: 0, created: Math.floor(Date.now() / 1000), generation: `gen_${randomUUID().replace(/-/g, "")}`, fail: /\[\[video:(failed|moderation)\]\]/.exec(prompt)?.[1], deleted: false };
    jobs.set(id, j);
    if (api === "jobs") jobs.set(j.generation, j);
    if (jobs.size > 200) jobs.delete(jobs.keys().next().value);
    return send(res, api === "jobs" ? 201 : 200, jobView(j), headers("application/json"), req);
  }
  const j = jobs.get(route.id);
  const missing = () => fail(404, { message: `Video ${route.id} not found.`, code: "not_found" });
  if (!j || j.deleted || j.api !== route.api) return missing();
  if (route.what === "job") {
    if (route.id !== j.id) return missing();
    if (m === "DELETE") {
      j.deleted = true;
      j.status = "cancelled";
      if (j.api === "jobs") {
        res.writeHead(204, headers("application/json"));
        return res.end();
      }
      return send(res, 200, { id: j.id, object: "video.deleted", deleted: true }, headers("application/json"), req);
    }
    if (m !== "GET") return fail(405, { message: `Method ${m} not allowed here.` });
    advance(j);
    return send(res, 200, jobView(j), headers("application/json"), req);
  }
  if (m !== "GET") return fail(405, { message: `Method ${m} not allowed here.` });
  if (j.status !== "succeeded" && j.status !== "completed") return fail(400, { message: `Video ${route.id} is not ready (status ${j.status}).`, code: "video_not_ready" });
  if (j.api === "jobs" && route.id !== j.generation) return missing();
  const variant = new URL(req.url, "http://x").searchParams.get("variant") ?? "video";
  const thumb = route.what === "thumbnail" || variant === "thumbnail";
  if (!thumb && variant !== "video") return fail(400, { message: `Unsupported variant '${variant}'.`, param: "variant" });
  const bytes = thumb ? promptImage(j.prompt, Math.round(j.width / 8), Math.round(j.height / 8)) : videoMp4(j.prompt, j.width, j.height, j.seconds);
  res.writeHead(200, { ...headers(thumb ? "image/png" : "video/mp4"), "content-length": bytes.length });
  // The MP4 in pieces, as a download arrives.
  const piece = 4096;
  for (let i = 0; i < bytes.length; i += piece) res.write(bytes.subarray(i, i + piece));
  res.end();
}
