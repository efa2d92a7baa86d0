// The Vision tab: images by picker, drop or paste; a streamed answer with Stop.
import { $, llmFor, mode, slow, kb, ms, tokens, costOf, usd, Run } from "./shared.js";

const images = []; // { file, url, width, height }
const run = new Run({ run: "send", stop: "stop", result: "result", state: "vision-state", stats: "stats", attempts: "attempts", error: "error" });

async function addFiles(files) {
  for (const file of files) {
    if (!file.type.startsWith("image/")) continue;
    const url = URL.createObjectURL(file);
    const img = new Image();
    img.src = url;
    await img.decode().catch(() => {});
    images.push({ file, url, width: img.naturalWidth, height: img.naturalHeight });
  }
  renderThumbs();
}

function renderThumbs() {
  $("thumbs").replaceChildren(
    ...images.map((im, i) => {
      const li = document.createElement("li");
      const img = document.createElement("img");
      img.src = im.url;
      img.alt = im.file.name;
      const cap = document.createElement("div");
      cap.textContent = `${im.width}×${im.height} · ${kb(im.file.size)}`;
      const rm = document.createElement("button");
      rm.textContent = "×";
      rm.setAttribute("aria-label", `Remove ${im.file.name}`);
      rm.onclick = () => {
        URL.revokeObjectURL(im.url);
        images.splice(i, 1);
        renderThumbs();
      };
      li.append(img, cap, rm);
      return li;
    }),
  );
}

$("files").addEventListener("change", (e) => addFiles(e.target.files));
const drop = $("drop");
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  addFiles(e.dataTransfer.files);
});
document.addEventListener("paste", (e) => {
  const files = [...(e.clipboardData?.files ?? [])];
  if (files.length && document.body.dataset.tab === "vision") addFiles(files);
});

$("send").addEventListener("click", async () => {
  const answer = $("answer");
  answer.textContent = "";
  answer.classList.add("streaming");
  const signal = run.start();
  let first = 0;
  let usage;
  let stream;
  try {
    const model = mode() === "emulator" ? "gpt-4.1-mini" : $("az-model").value;
    const llm = llmFor("vision", model);
    let prompt = $("question").value;
    if (slow()) prompt += " [[delay:120]]";
    const messages = images.length ? await llm.visionMessages(prompt, images.map((im) => im.file)) : [{ role: "user", content: prompt }];
    stream = llm.streamAnswer(messages, { signal });
    for await (const chunk of stream) {
      if (chunk.delta) {
        if (!first) first = run.elapsed();
        answer.append(chunk.delta);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    run.setAttempts(stream.attempts);
    run.setStats([
      ["served by", stream.endpoint],
      ["first token", ms(first)],
      ["total", ms(run.elapsed())],
      ["tokens", tokens(usage)],
      ["cost", usd(costOf(usage))],
    ]);
    run.setState("done");
  } catch (e) {
    run.fail(e, { endpoint: stream?.endpoint, attempts: stream?.attempts });
  } finally {
    answer.classList.remove("streaming");
    run.finish();
  }
});
