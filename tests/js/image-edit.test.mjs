// Image edits through the built package (llm-edge/full) against the emulator: params.images
// (and mask) sent as multipart form data to /images/edits on each path style, streamed
// image_edit.* events, the checks that refuse bad inputs before anything is sent, and the
// emulator's strict multipart parsing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { deflateSync, inflateSync } from "node:zlib";
import { emulator, collect, rejects, everythingAbout, KEY } from "./helpers.mjs";
import { createLLM } from "../../pkg/full/node.js";
import { encodePng } from "../emulator/media.mjs";

let emu;
before(async () => (emu = await emulator()));
after(() => emu.close());

const model = (over = {}) => createLLM({ provider: "azure", model: "gpt-image-1", endpoint: emu.url, deploymentName: "gpt-image-1", apiKey: KEY, ...over });
const openai = (m = "gpt-image-1") => createLLM({ provider: "openai", model: m, baseURL: `${emu.url}/v1`, apiKey: KEY });
const last = () => emu.requests.at(-1);

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  let c = -1;
  for (const b of out.subarray(4, 8 + data.length)) c = CRC[(c ^ b) & 255] ^ (c >>> 8);
  out.writeUInt32BE((c ^ -1) >>> 0, 8 + data.length);
  return out;
}
/** An RGBA PNG mask: transparent (alpha 0) in the left half, opaque elsewhere. */
function rgbaMask(w, h) {
  const raw = Buffer.alloc(h * (1 + w * 4));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw[y * (1 + w * 4) + 1 + x * 4 + 3] = x < w / 2 ? 0 : 255;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}
const photo = (w, h, seed = 0) => new Uint8Array(encodePng(w, h, (x, y) => [(x * 4 + seed) & 255, (y * 4) & 255, 128]));
const pngSize = (b64) => {
  const b = Buffer.from(b64, "base64");
  assert.equal(b.subarray(0, 8).toString("hex"), "89504e470d0a1a0a");
  inflateSync(b.subarray(41, 41 + b.readUInt32BE(33))); // the first IDAT inflates
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
};

test("getImage with params.images and mask: multipart to the deployments path, the edited image at the input's size", async () => {
  const llm = model();
  const img = photo(64, 48);
  const r = await llm.getImage("add a red hat", {}, { images: [img], mask: rgbaMask(64, 48), quality: "low" });
  assert.deepEqual(pngSize(r.imageBase64), [64, 48]);
  const req = last();
  assert.equal(req.path, "/openai/deployments/gpt-image-1/images/edits");
  assert.equal(req.apiVersion, "2025-04-01-preview");
  assert.match(req.headers["content-type"], /^multipart\/form-data; boundary=/);
  assert.deepEqual(req.files.map((f) => [f.name, f.contentType, f.size]), [["image", "image/png", img.length], ["mask", "image/png", rgbaMask(64, 48).length]]);
  assert.deepEqual(req.body, { prompt: "add a red hat", quality: "low" });
  assert.ok(r.usage.totalTokens > 0);
  assert.equal(r.attempts.at(-1).status, 200);
  // Derived from the inputs: another picture, another edit; the same inputs, the same edit.
  const other = await llm.getImage("add a red hat", {}, { images: [photo(64, 48, 99)], quality: "low" });
  const again = await llm.getImage("add a red hat", {}, { images: [img], mask: rgbaMask(64, 48), quality: "low" });
  assert.notEqual(other.imageBase64, r.imageBase64);
  assert.equal(again.imageBase64, r.imageBase64);
});

test("several images as Uint8Array, ArrayBuffer, Blob and data: URL go as image[] parts (Azure v1, OpenAI)", async () => {
  const a = photo(32, 32, 1), b = photo(32, 32, 2), c = photo(32, 32, 3), d = photo(32, 32, 4);
  const inputs = [a, b.buffer.slice(b.byteOffset, b.byteOffset + b.length), new Blob([c], { type: "image/png" }), `data:image/png;base64,${Buffer.from(d).toString("base64")}`];
  const v1 = model({ apiStyle: "v1" });
  const r = await v1.getImage("a collage", {}, { images: inputs, size: "1024x1024", quality: "low" });
  assert.deepEqual(pngSize(r.imageBase64), [1024, 1024]);
  let req = last();
  assert.equal(req.path, "/openai/v1/images/edits");
  assert.equal(req.apiVersion, "preview");
  assert.equal(req.body.model, "gpt-image-1");
  assert.deepEqual(req.files.map((f) => [f.name, f.size]), [a, b, c, d].map((x) => ["image[]", x.length]));
  const o = openai("gpt-image-1-mini");
  await o.getImage("a collage", {}, { images: inputs, quality: "low", outputFormat: "png" });
  req = last();
  assert.equal(req.path, "/v1/images/edits");
  assert.equal(req.body.model, "gpt-image-1-mini");
  assert.equal(req.body.output_format, "png");
  assert.equal(req.auth, "bearer");
});

test("streamImage with images: image_edit partial images, then the final one with usage", async () => {
  for (const llm of [model(), openai()]) {
    const chunks = await collect(llm.streamImage("make it night", {}, { images: [photo(40, 30)], partialImages: 2, quality: "low" }));
    assert.deepEqual(chunks.map((c) => [c.index, c.final]), [[0, false], [1, false], [0, true]]);
    for (const c of chunks) assert.deepEqual(pngSize(c.partialImageBase64), [40, 30]);
    assert.ok(chunks.at(-1).usage.totalTokens > 0);
    assert.equal(last().body.stream, true);
    assert.equal(last().body.partial_images, 2);
  }
  // A Blob's bytes are read before the stream's request goes out.
  const chunks = await collect(model().streamImage("make it night", {}, { images: [new Blob([photo(20, 20)])] }));
  assert.equal(chunks.at(-1).final, true);
});

test("bad edit inputs are refused with a hint before anything is sent", async () => {
  const llm = model();
  const before = emu.requests.length;
  const cases = [
    [{ images: [] }, "invalid_input", /empty/],
    [{ images: Array.from({ length: 17 }, () => photo(8, 8)) }, "invalid_input", /at most 16/],
    [{ images: [new Uint8Array([1, 2, 3, 4])] }, "invalid_input", /not an image/],
    [{ images: [Buffer.from("RIFF\0\0\0\0WEBPVP8 ")] }, "invalid_input", /image\/webp.*PNG or JPEG on Azure/],
    [{ images: [photo(16, 16)], mask: new Uint8Array(Buffer.from("ffd8ffe0", "hex")) }, "invalid_input", /mask is not a PNG/],
    [{ images: [photo(16, 16)], mask: photo(16, 16) }, "invalid_input", /no alpha channel/],
    [{ images: [photo(16, 16)], mask: rgbaMask(8, 8) }, "invalid_input", /8x8 but params.images\[0\] is 16x16/],
    [{ images: ["https://example.com/cat.png"] }, "invalid_input", /is a URL/],
    [{ images: photo(8, 8) }, "invalid_input", /must be an array/],
  ];
  for (const [params, code, message] of cases) {
    const e = await rejects(llm.getImage("edit", {}, params));
    assert.equal(e.code, code, `${message}: ${e.message}`);
    assert.match(e.message, message);
    assert.ok(e.hint, e.message);
  }
  const detached = new ArrayBuffer(8);
  structuredClone(detached, { transfer: [detached] });
  assert.equal((await rejects(llm.getImage("edit", {}, { images: [detached] }))).code, "invalid_input");
  const dalle = createLLM({ provider: "azure", model: "dall-e-3", endpoint: emu.url, deploymentName: "dall-e-3", apiKey: KEY });
  const e = await rejects(dalle.getImage("edit", {}, { images: [photo(8, 8)] }));
  assert.equal(e.code, "unsupported_operation");
  assert.match(e.hint, /gpt-image-1/);
  const s = await rejects(collect(llm.streamImage("edit", {}, { images: [new Uint8Array(4)] })));
  assert.equal(s.code, "invalid_input");
  assert.equal(emu.requests.length, before, "nothing was sent");
  // WebP is an edit input on OpenAI.
  const webp = Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(4), Buffer.from("WEBPVP8 "), Buffer.alloc(16)]);
  await openai().getImage("edit", {}, { images: [webp] });
  assert.equal(last().files[0].contentType, "image/webp");
});

test("edits fail over like generations, and keys stay out of errors", async () => {
  const dead = await emulator({ fault: "503" });
  try {
    const llm = createLLM({ provider: "azure", model: "gpt-image-1", deploymentName: "gpt-image-1", apiKey: KEY, endpoint: dead.url, backups: [{ endpoint: emu.url }] });
    const r = await llm.getImage("edit", {}, { images: [photo(16, 16)] });
    assert.deepEqual(r.attempts.map((a) => a.status), [503, 200]);
    assert.equal(last().files.length, 1);
    const bad = createLLM({ provider: "azure", model: "gpt-image-1", endpoint: emu.url, deploymentName: "gpt-image-1", apiKey: "sk-WRONG-KEY-abcdef123456" });
    const e = await rejects(bad.getImage("edit", {}, { images: [photo(16, 16)] }));
    assert.equal(e.code, "authentication");
    assert.ok(!everythingAbout(e).includes("sk-WRONG-KEY-abcdef123456"));
  } finally {
    await dead.close();
  }
});

test("the emulator parses multipart strictly and rejects malformed bodies as the API does", async () => {
  const post = (body, type) => fetch(`${emu.url}/v1/images/edits`, { method: "POST", headers: { authorization: `Bearer ${KEY}`, "content-type": type }, body });
  const B = "XyZ";
  const good = `--${B}\r\nContent-Disposition: form-data; name="model"\r\n\r\ngpt-image-1\r\n--${B}\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nhi\r\n--${B}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`;
  const ok = await post(Buffer.concat([Buffer.from(good), photo(8, 8), Buffer.from(`\r\n--${B}--\r\n`)]), `multipart/form-data; boundary=${B}`);
  assert.equal(ok.status, 200);
  for (const [body, type] of [
    [good, "multipart/form-data"], // no boundary
    [good, `multipart/form-data; boundary=${B}`], // never closed
    [`--${B}\r\nContent-Disposition: attachment\r\n\r\nx\r\n--${B}--\r\n`, `multipart/form-data; boundary=${B}`],
    [`garbage--${B}--\r\n`, `multipart/form-data; boundary=${B}`],
  ]) {
    const r = await post(body, type);
    assert.equal(r.status, 400);
    const j = await r.json();
    assert.equal(j.error.code, "invalid_multipart");
  }
  // JSON to the edits path, or multipart without an image, is a 400 too.
  const noImage = await post(`--${B}\r\nContent-Disposition: form-data; name="model"\r\n\r\ngpt-image-1\r\n--${B}\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nhi\r\n--${B}--\r\n`, `multipart/form-data; boundary=${B}`);
  assert.equal(noImage.status, 400);
  assert.match((await noImage.json()).error.message, /image/);
});
