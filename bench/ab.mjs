// A/B probe for optimisation work (not the benchmark): llm-edge against the hand-written
// baseline, interleaved in one process, at 20,000 and 200,000 chunks; prints the median
// of the timed runs after five warm-ups, and their ratio. Rebuild pkg/ between variants.
//   node --expose-gc bench/ab.mjs [runs at 20k, default 30]
import { spawn } from "node:child_process";
import { makeClients, streamConsumers } from "./consumers.mjs";
const emulator = new URL("../tests/emulator/emulator.mjs", import.meta.url).pathname;
const child = spawn(process.execPath, [emulator, "--port", "0", "--key", "bench-key"], { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise((r) => child.stdout.on("data", (d) => { const m = /http:\/\/127\.0\.0\.1:\d+/.exec(String(d)); if (m) r(m[0]); }));
const clients = makeClients(url);
const runs20k = Number(process.argv[2] ?? 30);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const [n, runs] of [[20_000, runs20k], [200_000, Math.max(3, Math.round(runs20k / 5))]]) {
  const t = { "llm-edge": [], "hand-written": [] };
  for (let i = 0; i < runs + 5; i++) {
    for (const name of Object.keys(t)) {
      globalThis.gc?.();
      const start = performance.now();
      await streamConsumers[name](clients, `[[words:${n}]]`);
      if (i >= 5) t[name].push(performance.now() - start);
    }
  }
  const [a, b] = [median(t["llm-edge"]), median(t["hand-written"])];
  console.log(`${n} chunks: llm-edge ${a.toFixed(1)} ms, hand-written ${b.toFixed(1)} ms, ratio ${(a / b).toFixed(3)}`);
}
child.kill();
