// webpack 5: the default entry works as is — webpack emits the .wasm (an asset referenced by
// `new URL(..., import.meta.url)` in the package) and supports top-level await.
// Build: `npx webpack --mode production --entry ./main.js` in this folder.
import { createLLM } from "llm-edge";

const q = new URLSearchParams(location.search);
const llm = createLLM({ provider: "azure", model: "gpt-4.1-mini", deploymentName: "gpt-4.1-mini", endpoint: q.get("endpoint"), apiKey: q.get("key") ?? "test-key" });
const out = document.getElementById("out");
let text = "";
let chunks = 0;
for await (const c of llm.streamAnswer([{ role: "user", content: q.get("q") ?? "Hello" }])) {
  text += c.delta;
  chunks++;
  out.textContent = text;
}
out.dataset.report = JSON.stringify({ text, chunks });
