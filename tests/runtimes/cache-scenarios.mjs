// llm-edge/cache scenarios for one store, in whatever runtime imports this file (workerd with
// Workers KV and caches.default, Deno with Deno KV and its Cache API). Plain JS, no Node APIs:
// each scenario returns { name, ok, error }.
//   pkg: the package entry ("llm-edge" for the runtime); cache: "llm-edge/cache"; store: the
//   store under test; emulatorUrl: the Azure emulator; extra(store): more checks, or none.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function check(cond, message) {
  if (!cond) throw new Error(message);
}

const user = (content) => [{ role: "user", content }];

async function collect(stream) {
  const out = [];
  for await (const c of stream) out.push(c);
  return out;
}

const unmarked = (chunks) => chunks.map(({ cacheHit, ...c }) => c);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export async function runCacheScenarios({ pkg, cache, store, label, emulatorUrl, extra }) {
  const { createLLM } = pkg;
  const { withCache } = cache;
  let sent = 0;
  // A fetch that counts what reaches the network: a hit must send nothing.
  const counting = (url, init) => {
    sent++;
    return fetch(url, init);
  };
  const model = () => createLLM({ provider: "azure", model: "gpt-4.1-mini", endpoint: emulatorUrl, deploymentName: "gpt-4.1-mini", apiKey: "test-key", fetch: counting });
  // Each run asks its own prompts, so a store that persists between runs cannot answer them.
  const run = `${label}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const results = [];
  const scenario = async (name, f) => {
    try {
      await f();
      results.push({ name: `${label}: ${name}`, ok: true });
    } catch (e) {
      results.push({ name: `${label}: ${name}`, ok: false, error: String(e && e.stack ? e.stack : e) });
    }
  };

  await scenario("getAnswer: a miss, then a hit that sends nothing, from another model and wrapper on the same store", async () => {
    const a = await withCache(model(), { store }).getAnswer(user(`answer ${run}`));
    check(a.cacheHit === false && sent === 1, `first call: cacheHit ${a.cacheHit}, ${sent} sent`);
    const b = await withCache(model(), { store }).getAnswer(user(`answer ${run}`));
    check(b.cacheHit === true, "second call is a hit");
    check(sent === 1, `the hit sent ${sent - 1} requests`);
    check(b.content === a.content && b.content === `You said: answer ${run}`, b.content);
    check(b.endpoint === a.endpoint && same(b.usage, a.usage), "endpoint and usage kept");
  });

  await scenario("streamAnswer: replayed from the store chunk for chunk, the last chunk marked", async () => {
    const before = sent;
    const first = await collect(withCache(model(), { store }).streamAnswer(user(`stream ${run} [[words:12]]`)));
    const s = withCache(model(), { store }).streamAnswer(user(`stream ${run} [[words:12]]`));
    const replay = await collect(s);
    check(sent === before + 1, `${sent - before} requests for a stream and its replay`);
    check(s.cacheHit === true, "the replay says it is a hit");
    check(replay.length === first.length && first.length >= 13, `${replay.length} vs ${first.length} chunks`);
    check(same(unmarked(replay), first), "chunk for chunk equal");
    check(replay.at(-1).cacheHit === true, "last chunk marked");
    check(replay.map((c) => c.delta).join("") === "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 ", "text");
  });

  await scenario("TTL: an entry read after its TTL (300 ms, shorter than the store's own minimum) is a miss", async () => {
    const llm = withCache(model(), { store, ttlMs: 300 });
    const before = sent;
    await llm.getAnswer(user(`ttl ${run}`));
    const hit = await llm.getAnswer(user(`ttl ${run}`));
    check(hit.cacheHit === true, "a hit within the TTL");
    await sleep(500);
    const miss = await llm.getAnswer(user(`ttl ${run}`));
    check(miss.cacheHit === false, "a miss after the TTL");
    check(sent === before + 2, `${sent - before} requests`);
  });

  await scenario("single flight: three identical streams at once share one request", async () => {
    const llm = withCache(model(), { store });
    const before = sent;
    const streams = [0, 1, 2].map(() => llm.streamAnswer(user(`flight ${run} [[words:6]] [[delay:10]]`)));
    const all = await Promise.all(streams.map(collect));
    check(sent === before + 1, `${sent - before} requests`);
    check(all.every((c) => same(c, all[0])) && all[0].length >= 7, "every caller got the same chunks");
    check(streams.filter((s) => s.coalesced).length === 2, "two joiners say so");
  });

  await scenario("errors are not stored", async () => {
    const llm = withCache(model(), { store });
    const before = sent;
    let code;
    try {
      await llm.getAnswer(user(`fails ${run} [[fault:500]]`));
    } catch (e) {
      code = e.code;
    }
    check(code === "service_unavailable", `code ${code}`);
    try {
      await llm.getAnswer(user(`fails ${run} [[fault:500]]`));
    } catch (e) {
      code = e.code;
    }
    check(sent === before + 2, `the failure was not served from the store (${sent - before} requests)`);
  });

  await scenario("an answer over 64 KiB round-trips", async () => {
    const llm = withCache(model(), { store, maxEntryBytes: 4 << 20 });
    const a = await llm.getAnswer(user(`big ${run} [[words:15000]]`));
    check(a.content.length > 65_536, `${a.content.length} characters`);
    const b = await llm.getAnswer(user(`big ${run} [[words:15000]]`));
    check(b.cacheHit === true && b.content === a.content, "the large answer came back whole");
  });

  if (extra) {
    for (const [name, f] of Object.entries(extra)) await scenario(name, () => f({ store, run }));
  }
  return results;
}
