// The Image tab: gpt-image models stream partial images (each drawn as it arrives, the
// final one last); dall-e-3 answers once, with the prompt as the service revised it.
import { $, llmFor, slow, ms, tokens, costOf, usd, fromBase64, kb, modelOptions, Run } from "./shared.js";

const run = new Run({ run: "img-run", stop: "img-stop", result: "img-result", state: "img-state", stats: "img-stats", attempts: "img-attempts", error: "img-error" });
const SIZES = { "gpt-image": ["1024x1024", "1536x1024", "1024x1536", "auto"], "dall-e": ["1024x1024", "1792x1024", "1024x1792"] };
const QUALITY = { "gpt-image": ["low", "medium", "high", "auto"], "dall-e": ["standard", "hd"] };
const family = (id) => (id.startsWith("dall-e") ? "dall-e" : "gpt-image");
let urls = []; // object URLs of the current run, revoked by the next one
const inputs = []; // images to edit: { file, url }
let lastResult = null; // the final image's Blob, for "Edit this image"

modelOptions($("img-model"), (m) => m.outputTypes.includes("image"), "gpt-image-1");
function fitControls() {
  const f = family($("img-model").value);
  const keep = { size: $("img-size").value, quality: $("img-quality").value };
  $("img-size").replaceChildren(...SIZES[f].map((s) => new Option(s, s)));
  $("img-quality").replaceChildren(...QUALITY[f].map((q) => new Option(q, q)));
  if (SIZES[f].includes(keep.size)) $("img-size").value = keep.size;
  $("img-quality").value = QUALITY[f].includes(keep.quality) ? keep.quality : f === "dall-e" ? "standard" : "low";
  $("img-partials").disabled = f === "dall-e";
  $("img-files").disabled = f === "dall-e";
  $("img-size").disabled = inputs.length > 0;
  $("img-run").textContent = inputs.length && f !== "dall-e" ? "Edit" : "Generate";
  $("img-note").textContent =
    f === "dall-e" ? "dall-e-3 does not stream or edit: one image arrives, with the prompt as the service revised it."
    : inputs.length ? `Editing ${inputs.length} image${inputs.length > 1 ? "s" : ""} (sent as multipart form data); the size follows the service's choice. Partial images stream, then the final one.`
    : "Partial images stream as the model works, coarse to sharp, then the final image.";
}

function renderInputs() {
  $("img-inputs").replaceChildren(
    ...inputs.map((im, i) => {
      const li = document.createElement("li");
      const img = document.createElement("img");
      img.src = im.url;
      img.alt = im.file.name;
      const rm = document.createElement("button");
      rm.textContent = "×";
      rm.setAttribute("aria-label", `Remove ${im.file.name}`);
      rm.onclick = () => {
        URL.revokeObjectURL(im.url);
        inputs.splice(i, 1);
        renderInputs();
      };
      li.append(img, rm);
      return li;
    }),
  );
  fitControls();
}
function addInputs(files) {
  for (const file of files) if (file.type.startsWith("image/")) inputs.push({ file, url: URL.createObjectURL(file) });
  renderInputs();
}
$("img-files").addEventListener("change", (e) => {
  addInputs(e.target.files);
  e.target.value = "";
});
$("img-edit-result").addEventListener("click", () => {
  if (!lastResult) return;
  for (const im of inputs.splice(0)) URL.revokeObjectURL(im.url);
  addInputs([new File([lastResult], "generated.png", { type: lastResult.type || "image/png" })]);
  $("img-prompt").focus();
});
$("img-model").addEventListener("change", fitControls);
fitControls();

/** Shows one picture (a partial or the final one) and waits until the page has decoded it. */
async function show(blob, label, final) {
  const url = URL.createObjectURL(blob);
  urls.push(url);
  const out = $("img-out");
  const next = new Image();
  next.src = url;
  await next.decode();
  out.src = url;
  out.hidden = false;
  $("img-placeholder").hidden = true;
  out.alt = final ? `Generated image: ${$("img-prompt").value}` : `${label} of the image being generated`;
  out.classList.toggle("partial", !final);
  $("img-caption").textContent = `${label} · ${next.naturalWidth}×${next.naturalHeight} · ${kb(blob.size)}`;
  const li = document.createElement("li");
  const thumb = document.createElement("img");
  thumb.src = url;
  thumb.alt = label;
  li.append(thumb);
  if (final) li.className = "final";
  $("img-strip").append(li);
  return next;
}

function offerDownload(blob, ext) {
  lastResult = blob;
  $("img-edit-result").hidden = family($("img-model").value) === "dall-e";
  const a = $("img-download");
  a.href = urls.at(-1);
  a.download = `llm-edge-image.${ext}`;
  a.textContent = `Download ${ext.toUpperCase()} (${kb(blob.size)})`;
  a.hidden = false;
}

$("img-run").addEventListener("click", async () => {
  for (const u of urls) URL.revokeObjectURL(u);
  urls = [];
  $("img-strip").replaceChildren();
  $("img-out").hidden = true;
  $("img-placeholder").hidden = false;
  $("img-placeholder").textContent = "Waiting for the first image…";
  $("img-caption").textContent = "";
  $("img-revised").hidden = true;
  $("img-download").hidden = true;
  $("img-edit-result").hidden = true;
  const result = $("img-result");
  result.dataset.partials = "0";
  result.dataset.finals = "0";
  const signal = run.start();
  result.dataset.edit = String(inputs.length > 0 && family($("img-model").value) !== "dall-e");
  const model = $("img-model").value;
  const params = { size: $("img-size").value, quality: $("img-quality").value };
  let prompt = $("img-prompt").value;
  if (slow()) prompt += " [[delay:700]]";
  let stream;
  let first = 0;
  try {
    const llm = llmFor("image", model);
    if (family(model) === "dall-e") {
      const r = await llm.getImage(prompt, { signal }, params);
      first = run.elapsed();
      // A URL (dall-e's default) is fetched once so it can be shown and downloaded as bytes.
      const blob = r.imageBase64 ? new Blob([fromBase64(r.imageBase64)], { type: `image/${r.format}` }) : await fetch(r.imageUrl, { signal }).then((x) => x.blob());
      await show(blob, "Final image", true);
      result.dataset.finals = "1";
      if (r.revisedPrompt) {
        $("img-revised").hidden = false;
        $("img-revised").textContent = `Revised prompt: ${r.revisedPrompt}`;
      }
      offerDownload(blob, r.format);
      run.setAttempts(r.attempts);
      run.setStats([["served by", r.endpoint], ["latency", ms(r.latencyMs)], ["images", String(r.images.length)], ["tokens", tokens(r.usage)], ["cost", usd(costOf(r.usage))]]);
    } else {
      params.partialImages = Number($("img-partials").value);
      if (inputs.length) {
        params.images = inputs.map((im) => im.file);
        delete params.size;
      }
      stream = llm.streamImage(prompt, { signal }, params);
      let usage;
      let finals = 0;
      let last;
      for await (const chunk of stream) {
        if (!first) first = run.elapsed();
        const blob = new Blob([fromBase64(chunk.partialImageBase64)], { type: "image/png" });
        if (chunk.final) {
          finals++;
          usage = chunk.usage ?? usage;
          last = blob;
          await show(blob, "Final image", true);
          result.dataset.finals = String(finals);
        } else {
          await show(blob, `Partial ${chunk.index + 1} of ${params.partialImages}`, false);
          result.dataset.partials = String(Number(result.dataset.partials) + 1);
        }
      }
      if (last) offerDownload(last, "png");
      run.setAttempts(stream.attempts);
      run.setStats([["served by", stream.endpoint], ["first image", ms(first)], ["total", ms(run.elapsed())], ["images", `${result.dataset.partials} partial · ${finals} final`], ["tokens", tokens(usage)], ["cost", usd(costOf(usage))]]);
    }
    run.setState("done");
  } catch (e) {
    run.fail(e, { endpoint: stream?.endpoint, attempts: stream?.attempts, extra: [["images", `${result.dataset.partials} partial · ${result.dataset.finals} final`]] });
    if ($("img-out").hidden) $("img-placeholder").textContent = "No image.";
  } finally {
    run.finish();
  }
});
