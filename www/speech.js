// The Speech tab: audio plays while it streams. wav and pcm go through Web Audio (16-bit
// samples scheduled back to back as they arrive, drawn as a waveform); mp3 through Media
// Source Extensions (bytes appended to an <audio> element's SourceBuffer). Other formats
// play once complete. At the end the whole file is decoded by the browser to report its
// duration, and offered for replay and download.
import { $, llmFor, slow, ms, tokens, costOf, usd, kb, modelOptions, Run } from "./shared.js";

const run = new Run({ run: "tts-run", stop: "tts-stop", result: "tts-result", state: "tts-state", stats: "tts-stats", attempts: "tts-attempts", error: "tts-error" });
const VOICES = ["alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer"];
const PCM_RATE = 24000; // OpenAI's pcm: 24 kHz, 16-bit little-endian, mono
const MIME = { mp3: "audio/mpeg", wav: "audio/wav", pcm: "audio/wav", opus: "audio/ogg", aac: "audio/aac", flac: "audio/flac" };

modelOptions($("tts-model"), (m) => m.outputTypes.includes("audio"), "gpt-4o-mini-tts");
for (const v of VOICES) $("tts-voice").append(new Option(v, v));
function fitControls() {
  $("tts-instructions").disabled = !$("tts-model").value.startsWith("gpt-4o");
}
$("tts-model").addEventListener("change", fitControls);
fitControls();

let audioCtx = null;
let player = null;
let objectUrl = null;

/** The waveform: the peak of every 10 ms of audio received, and a playhead. */
class Waveform {
  constructor(canvas) {
    this.canvas = canvas;
    this.peaks = [];
    this.pending = 0;
    this.pendingPeak = 0;
    this.rate = PCM_RATE;
  }
  add(samples) {
    const bucket = Math.round(this.rate / 100);
    for (let i = 0; i < samples.length; i++) {
      const v = Math.abs(samples[i]);
      if (v > this.pendingPeak) this.pendingPeak = v;
      if (++this.pending === bucket) {
        this.peaks.push(this.pendingPeak);
        this.pending = 0;
        this.pendingPeak = 0;
      }
    }
  }
  draw(playedSeconds = 0) {
    const c = this.canvas;
    const dpr = devicePixelRatio || 1;
    const w = c.clientWidth * dpr;
    const h = c.clientHeight * dpr;
    if (c.width !== w || c.height !== h) Object.assign(c, { width: w, height: h });
    const g = c.getContext("2d");
    const style = getComputedStyle(c);
    g.clearRect(0, 0, w, h);
    const seconds = Math.max(this.peaks.length / 100, 4);
    // Scaled to the loudest peak so quiet speech still fills the height.
    let loudest = 0.05;
    for (const p of this.peaks) if (p > loudest) loudest = p;
    const cols = Math.floor(w / (3 * dpr));
    const per = (seconds * 100) / cols;
    const playedCols = (playedSeconds * 100) / per;
    for (let x = 0; x < cols; x++) {
      let peak = 0;
      for (let k = Math.floor(x * per); k < Math.min(this.peaks.length, Math.floor((x + 1) * per)); k++) peak = Math.max(peak, this.peaks[k]);
      if (Math.floor(x * per) >= this.peaks.length) break;
      const bar = Math.max(1.5 * dpr, (peak / loudest) * (h - 16 * dpr));
      g.fillStyle = x < playedCols ? style.getPropertyValue("--accent") : style.getPropertyValue("--wave");
      g.fillRect(x * 3 * dpr, (h - bar) / 2, 2 * dpr, bar);
    }
  }
}

/** Web Audio playback of 16-bit mono PCM as it arrives (a WAV header, when there is one, is
 *  read for the sample rate and skipped). */
class PcmPlayer {
  constructor(ctx, wave, wav) {
    Object.assign(this, { ctx, wave, wav, rate: PCM_RATE, head: wav ? new Uint8Array(0) : null, carry: null, next: 0, t0: 0, sources: [], seconds: 0 });
  }
  push(bytes) {
    if (this.head) {
      // Gather the header until the data chunk starts.
      const all = new Uint8Array(this.head.length + bytes.length);
      all.set(this.head);
      all.set(bytes, this.head.length);
      const start = wavDataStart(all);
      if (start === undefined) return void (this.head = all);
      this.rate = start.rate;
      this.wave.rate = start.rate;
      this.head = null;
      bytes = all.subarray(start.offset);
    }
    if (this.carry !== null) {
      const joined = new Uint8Array(bytes.length + 1);
      joined[0] = this.carry;
      joined.set(bytes, 1);
      bytes = joined;
      this.carry = null;
    }
    if (bytes.length % 2) {
      this.carry = bytes[bytes.length - 1];
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    const n = bytes.length / 2;
    if (!n) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const samples = new Float32Array(n);
    for (let i = 0; i < n; i++) samples[i] = view.getInt16(i * 2, true) / 32768;
    this.wave.add(samples);
    const buffer = this.ctx.createBuffer(1, n, this.rate);
    buffer.copyToChannel(samples, 0);
    const src = this.ctx.createBufferSource();
    src.buffer = buffer;
    src.connect(this.ctx.destination);
    const now = this.ctx.currentTime;
    if (this.next < now + 0.02) {
      // The first piece, or an underrun: start a little ahead so pieces join without a gap.
      this.next = now + 0.05;
      if (!this.t0) this.t0 = this.next;
      else this.t0 += this.next - this.lastEnd; // the playhead does not count the gap
    }
    src.start(this.next);
    this.next += buffer.duration;
    this.lastEnd = this.next;
    this.seconds += buffer.duration;
    this.sources.push(src);
    src.onended = () => this.sources.splice(this.sources.indexOf(src), 1);
  }
  played() {
    if (this.stopped) return this.heldAt;
    return this.t0 ? Math.max(0, Math.min(this.seconds, this.ctx.currentTime - this.t0)) : 0;
  }
  stop() {
    this.heldAt = this.played();
    this.stopped = true;
    for (const s of this.sources) s.stop();
    this.sources = [];
  }
  async finished() {
    while (this.sources.length) await new Promise((r) => setTimeout(r, 50));
  }
}

/** Where a WAV file's samples start, and its sample rate; undefined until enough arrived. */
function wavDataStart(b) {
  if (b.length < 12) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let rate = PCM_RATE;
  for (let o = 12; o + 8 <= b.length; ) {
    const id = String.fromCharCode(b[o], b[o + 1], b[o + 2], b[o + 3]);
    const len = v.getUint32(o + 4, true);
    if (id === "fmt " && o + 16 <= b.length) rate = v.getUint32(o + 12, true);
    if (id === "data") return { offset: o + 8, rate };
    o += 8 + len + (len % 2);
  }
  return undefined;
}

/** MSE playback: bytes appended in order to an <audio> element's SourceBuffer. */
class MsePlayer {
  constructor(audio, mime) {
    this.audio = audio;
    this.queue = [];
    this.source = new MediaSource();
    audio.src = URL.createObjectURL(this.source);
    this.ready = new Promise((r) => this.source.addEventListener("sourceopen", r, { once: true })).then(() => {
      URL.revokeObjectURL(audio.src);
      this.buffer = this.source.addSourceBuffer(mime);
      this.buffer.addEventListener("updateend", () => this.#pump());
    });
    this.started = false;
  }
  async push(bytes) {
    await this.ready;
    this.queue.push(bytes);
    this.#pump();
  }
  #pump() {
    if (!this.buffer || this.buffer.updating || !this.queue.length || this.source.readyState !== "open") return;
    this.buffer.appendBuffer(this.queue.shift());
    if (!this.started) {
      this.started = true;
      this.audio.play().catch(() => {});
    }
  }
  async end() {
    await this.ready;
    while (this.queue.length || this.buffer.updating) await new Promise((r) => setTimeout(r, 20));
    if (this.source.readyState === "open") this.source.endOfStream();
  }
  played() {
    return this.audio.currentTime;
  }
  stop() {
    this.stopped = true;
    this.audio.pause();
    this.queue = [];
  }
}

function wavFromPcm(pcm, rate = PCM_RATE) {
  const out = new Uint8Array(44 + pcm.length);
  const v = new DataView(out.buffer);
  const w = (o, s) => [...s].forEach((ch, i) => (out[o + i] = ch.charCodeAt(0)));
  w(0, "RIFF");
  v.setUint32(4, 36 + pcm.length, true);
  w(8, "WAVEfmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, rate, true);
  v.setUint32(28, rate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  w(36, "data");
  v.setUint32(40, pcm.length, true);
  out.set(pcm, 44);
  return out;
}

const wave = () => player?.wave;
/** The playhead, progress and waveform, once a frame while a run streams or its sound plays. */
function tick(current) {
  if (!player || player !== current) return; // a newer run has its own loop
  const played = player.played();
  const total = Math.max(player.received?.() ?? 0, played, 0.001);
  $("tts-progress").max = total;
  $("tts-progress").value = played;
  $("tts-time").textContent = `${played.toFixed(1)} s of ${total.toFixed(1)} s`;
  wave()?.draw(played);
  if (run.running || (!player.stopped && played < total - 0.05)) requestAnimationFrame(() => tick(current));
}

$("tts-run").addEventListener("click", async () => {
  // The AudioContext is made (or resumed) inside the click: browsers allow sound only after a gesture.
  audioCtx ??= new AudioContext();
  audioCtx.resume();
  player?.stop();
  if (objectUrl) URL.revokeObjectURL(objectUrl);
  const audio = $("tts-audio");
  audio.pause();
  audio.removeAttribute("src");
  audio.hidden = true;
  $("tts-download").hidden = true;
  const result = $("tts-result");
  result.dataset.chunks = "0";
  delete result.dataset.duration;
  const model = $("tts-model").value;
  const format = $("tts-format").value;
  const params = { voice: $("tts-voice").value, format, speed: Number($("tts-speed").value) || 1 };
  if (!$("tts-instructions").disabled && $("tts-instructions").value.trim()) params.instructions = $("tts-instructions").value.trim();
  const spoken = $("tts-text").value;
  // The emulator's delay directive is cut out of what it speaks (no space added: the audio stays the text's).
  const text = slow() ? `${spoken}[[delay:150]]` : spoken;
  const w = new Waveform($("tts-wave"));
  const signal = run.start();
  const parts = [];
  let bytes = 0;
  let first = 0;
  let usage;
  let stream;
  if (format === "wav" || format === "pcm") {
    player = new PcmPlayer(audioCtx, w, format === "wav");
    player.received = () => player.seconds;
  } else if (format === "mp3") {
    audio.hidden = false;
    player = new MsePlayer(audio, "audio/mpeg");
    player.received = () => (audio.buffered.length ? audio.buffered.end(audio.buffered.length - 1) : 0);
  } else {
    player = { stop() { this.stopped = true; }, played: () => 0, received: () => 0 };
  }
  player.wave = w;
  w.draw();
  const current = player;
  requestAnimationFrame(() => tick(current));
  try {
    const llm = llmFor("speech", model);
    stream = llm.streamAudio(text, { signal }, params);
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      if (!chunk.audio.length) continue;
      if (!first) first = run.elapsed();
      parts.push(chunk.audio);
      bytes += chunk.audio.length;
      result.dataset.chunks = String(parts.length);
      player.push?.(chunk.audio);
    }
    const streamedMs = run.elapsed();
    if (player instanceof MsePlayer) await player.end();
    // The whole file, as the browser decodes it: the duration reported is the decoder's.
    const whole = new Uint8Array(bytes);
    let o = 0;
    for (const p of parts) whole.set(p, (o += p.length) - p.length);
    const file = format === "pcm" ? wavFromPcm(whole) : whole;
    const blob = new Blob([file], { type: MIME[format] });
    let duration;
    try {
      const decoded = await audioCtx.decodeAudioData(file.slice().buffer);
      duration = decoded.duration;
      if (!(player instanceof PcmPlayer)) {
        // mp3 and the rest: draw the waveform from the decoded samples.
        w.rate = decoded.sampleRate;
        w.add(decoded.getChannelData(0));
      }
      result.dataset.duration = String(duration);
    } catch {
      duration = undefined;
    }
    objectUrl = URL.createObjectURL(blob);
    if (!(player instanceof MsePlayer)) {
      audio.src = objectUrl;
      audio.hidden = false;
      if (!(player instanceof PcmPlayer)) audio.play().catch(() => {});
    }
    const a = $("tts-download");
    a.href = objectUrl;
    a.download = `llm-edge-speech.${format === "pcm" ? "wav" : format}`;
    a.textContent = `Download ${format === "pcm" ? "WAV" : format.toUpperCase()} (${kb(blob.size)})`;
    a.hidden = false;
    run.setAttempts(stream.attempts);
    run.setStats([
      ["served by", stream.endpoint],
      ["first audio", ms(first)],
      ["streamed in", ms(streamedMs)],
      ["audio", `${duration !== undefined ? `${duration.toFixed(2)} s` : "not decodable here"} · ${kb(bytes)} · ${parts.length} chunks`],
      ["usage", usage?.characters !== undefined ? `${usage.characters} characters` : usage ? tokens(usage) : "—"],
      ["cost", usd(costOf(usage))],
    ]);
    run.setState("done");
    w.draw(player.played());
  } catch (e) {
    player.stop();
    run.fail(e, { endpoint: stream?.endpoint, attempts: stream?.attempts, extra: [["audio", `${kb(bytes)} in ${parts.length} chunks before it ended`]] });
  } finally {
    run.finish();
  }
});
