// llm-edge/tokens inside a runtime (Deno, workerd): loadTokenizer, the Cookbook's published
// count, and withExactTokens refusing with nothing sent. Takes the package's API and the
// tokens entry as arguments so each runtime imports them its own way.
const COOKBOOK = [
  { role: "system", content: "You are a helpful, pattern-following assistant that translates corporate jargon into plain English." },
  { role: "system", name: "example_user", content: "New synergies will help drive top-line growth." },
  { role: "system", name: "example_assistant", content: "Things working well together will increase revenue." },
  { role: "system", name: "example_user", content: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage." },
  { role: "system", name: "example_assistant", content: "Let's talk later when we're less busy about how to do better." },
  { role: "user", content: "This late pivot means we don't have time to boil the ocean for the client deliverable." },
];

export async function runTokenChecks(pkg, tokens, { emulatorUrl }) {
  const results = [];
  const record = async (name, f) => {
    try {
      await f();
      results.push({ name, ok: true });
    } catch (e) {
      results.push({ name, ok: false, error: String(e?.stack ?? e) });
    }
  };
  const requests = async () => (await (await fetch(`${emulatorUrl}/__emulator/requests`)).json()).length;
  await record("tokens: loadTokenizer and the Cookbook's published counts (124 o200k, 129 cl100k)", async () => {
    await tokens.loadTokenizer("o200k_base");
    await tokens.loadTokenizer("cl100k_base");
    const a = tokens.countTokens(COOKBOOK, { model: "gpt-4o" });
    const b = tokens.countTokens(COOKBOOK, { model: "gpt-4" });
    if (a !== 124 || b !== 129) throw new Error(`counted ${a} and ${b}`);
  });
  await record("tokens: withExactTokens refuses with token_limit_exceeded and nothing is sent; a fitting call is sent", async () => {
    const llm = pkg.createLLM({ provider: "azure", model: "gpt-4.1-mini", endpoint: emulatorUrl, deploymentName: "gpt-4.1-mini", apiKey: "test-key" });
    const messages = [{ role: "user", content: "hello from the tokens check" }];
    const prompt = tokens.countTokens(messages, { model: "gpt-4.1-mini" });
    const exact = await tokens.withExactTokens(llm, { contextWindow: prompt + 10 });
    const before = await requests();
    let err;
    try {
      await exact.getAnswer(messages, {}, { maxTokens: 11 });
    } catch (e) {
      err = e;
    }
    if (!(err instanceof pkg.LLMError) || err.code !== "token_limit_exceeded" || !err.hint) throw new Error(`expected token_limit_exceeded, got ${err}`);
    if ((await requests()) !== before) throw new Error("a request was sent");
    const ok = await exact.getAnswer(messages, {}, { maxTokens: 10 });
    if (!/You said/.test(ok.content) || (await requests()) !== before + 1) throw new Error("the fitting call was not sent once");
  });
  return results;
}
