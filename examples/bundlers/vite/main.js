// Vite: llm-edge/manual plus the wasm as an asset URL (`?url`), initialised once before use.
// Build: `npx vite build` in this folder (index.html is the entry). Open the page with
// ?endpoint=<an Azure OpenAI endpoint or the repo's emulator>&q=<a question>.
import { init, createLLM } from "llm-edge/manual";
import wasmUrl from "llm-edge/wasm?url";

await init({ wasm: wasmUrl });
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
