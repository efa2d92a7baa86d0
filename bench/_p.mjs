import { spawn } from "node:child_process";
import { makeClients, streamConsumers, readBodyOnly } from "./consumers.mjs";
const child = spawn(process.execPath, ["tests/emulator/emulator.mjs", "--port", "0", "--key", "bench-key"], { stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise((r) => child.stdout.on("data", (d) => { const m = /http:\/\/127\.0\.0\.1:\d+/.exec(String(d)); if (m) r(m[0]); }));
const c = makeClients(url);
const n = Number(process.argv[2] ?? 200000);
const p = `[[words:${n}]]`;
const which = process.argv.slice(3);
for (const name of which) await (name === "floor" ? readBodyOnly(c, p) : streamConsumers[name](c, p));
for (let r = 0; r < 3; r++) for (const name of which) { globalThis.gc?.(); const t = performance.now(); await (name === "floor" ? readBodyOnly(c, p) : streamConsumers[name](c, p)); console.log(name, (performance.now() - t).toFixed(1)); }
child.kill();
