// esbuild, as an IIFE (no top-level await): llm-edge/manual, the wasm copied beside the
// bundle by the file loader, and init() before the first call.
// Build: `npx esbuild main.js --bundle --format=iife --minify --loader:.wasm=file --outdir=dist`.
import { init, createLLM } from "llm-edge/manual";
import wasmUrl from "llm-edge/wasm";

async function main() {
  await init({ wasm: new URL(wasmUrl, location.href) });
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
}
main();
