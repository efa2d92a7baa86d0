// A quick throughput probe (not the benchmark): one emulator process, N chunks, the named
// consumers (llm-edge, openai-node, ai-sdk, hand-written, floor), 3 timed runs each.
//   node --expose-gc bench/probe.mjs 200000 llm-edge hand-written
import { spawn } from "node:child_process";
import { makeClients, streamConsumers, readBodyOnly } from "./consumers.mjs";
const child = spawn(process.execPath, [new URL("../tests/emulator/emulator.mjs", import.meta.url).pathname, "--port", "0", "--key", "bench-key"], { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise((r) => child.stdout.on("data", (d) => { const m = /http:\/\/127\.0\.0\.1:\d+/.exec(String(d)); if (m) r(m[0]); }));
const c = makeClients(url);
const n = Number(process.argv[2] ?? 200000);
const p = `[[words:${n}]]`;
const which = process.argv.slice(3);
for (const name of which) await (name === "floor" ? readBodyOnly(c, p) : streamConsumers[name](c, p));
for (let r = 0; r < 3; r++) for (const name of which) { globalThis.gc?.(); const t = performance.now(); await (name === "floor" ? readBodyOnly(c, p) : streamConsumers[name](c, p)); console.log(name, (performance.now() - t).toFixed(1)); }
child.kill();
