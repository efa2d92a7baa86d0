// llm-edge/cache inside Deno: the cache scenarios with Deno KV (a file database, reopened to
// show entries persist) and Deno's Cache API.
//   deno run --unstable-kv --allow-net=127.0.0.1 --allow-read --allow-write --allow-env tests/runtimes/cache-deno.mjs
import * as pkg from "../../pkg/web.js";
import * as cache from "../../pkg/cache.js";
import { runCacheScenarios } from "./cache-scenarios.mjs";

const emulatorUrl = Deno.env.get("LLM_EDGE_EMULATOR_URL");
if (!emulatorUrl) throw new Error("set LLM_EDGE_EMULATOR_URL");
const dir = await Deno.makeTempDir();
const path = `${dir}/cache.sqlite`;
let kv = await Deno.openKv(path);
const store = cache.denoKvStore(kv, { prefix: ["cache-test"] });
const results = await runCacheScenarios({
  pkg,
  cache,
  store,
  label: `deno ${Deno.version.deno} Deno KV`,
  emulatorUrl,
  extra: {
    "a value over 64 KiB is split into parts, each under Deno KV's limit, and read back whole": async ({ run }) => {
      const big = "é".repeat(100_000); // 200,000 bytes of UTF-8
      await store.put(`big-${run}`, big, 60_000);
      const head = (await kv.get(["cache-test", `big-${run}`])).value;
      if (!(head.parts === 4)) throw new Error(`parts: ${head.parts}`);
      if ((await store.get(`big-${run}`)) !== big) throw new Error("read back differs");
      await store.delete(`big-${run}`);
      if ((await store.get(`big-${run}`)) !== undefined) throw new Error("delete left it");
      const left = [];
      for await (const e of kv.list({ prefix: ["cache-test", `big-${run}`] })) left.push(e.key);
      if (left.length) throw new Error(`parts left: ${left.length}`);
    },
    "entries are written with expireIn and persist in the database file": async ({ run }) => {
      await store.put(`persist-${run}`, "kept", 60_000);
      kv.close();
      kv = await Deno.openKv(path);
      const again = cache.denoKvStore(kv, { prefix: ["cache-test"] });
      if ((await again.get(`persist-${run}`)) !== "kept") throw new Error("not kept across opens");
    },
  },
});
results.push(
  ...(await runCacheScenarios({
    pkg,
    cache,
    store: cache.cacheApiStore(caches.open("llm-edge-cache-test"), { baseUrl: "https://cache.llm-edge.test/" }),
    label: `deno ${Deno.version.deno} Cache API`,
    emulatorUrl,
  })),
);
kv.close();
await Deno.remove(dir, { recursive: true });
for (const r of results) console.log(`${r.ok ? "ok" : "not ok"} - ${r.name}${r.ok ? "" : `\n${r.error}`}`);
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
Deno.exit(failed ? 1 : 0);
