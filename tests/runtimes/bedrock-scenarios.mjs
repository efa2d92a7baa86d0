// The Bedrock scenarios every runtime must pass against the emulator's Bedrock routes, with
// the full variant (llm-edge/full): an answer signed with SigV4, a binary event stream with
// an API key, an abort mid-stream, failover across Bedrock regions and from Azure, and a
// clock-skew retry. Plain JS (no node: imports): Node, Deno, workerd and browsers run the
// same file with their own import of pkg/full.
import { BEDROCK_CREDENTIALS, BEDROCK_API_KEY } from "../emulator/bedrock-credentials.mjs";

function check(cond, message) {
  if (!cond) throw new Error(message);
}

/** Runs every scenario; `pkg` is pkg/full's exports. Returns [{ name, ok, error? }]. */
export async function runBedrockScenarios(pkg, { emulatorUrl, deadUrl = "http://127.0.0.1:9", azureKey = "test-key" }) {
  const { createLLM, LLMError } = pkg;
  const model = "anthropic.claude-3-5-haiku-20241022-v1:0";
  const signed = { provider: "bedrock", model, region: "us-east-1", endpoint: emulatorUrl, credentials: BEDROCK_CREDENTIALS };
  const keyed = { provider: "bedrock", model, region: "us-west-2", endpoint: emulatorUrl, apiKey: BEDROCK_API_KEY };
  const user = (content) => [{ role: "user", content }];
  const scenarios = {
    async answer() {
      const r = await createLLM(signed).getAnswer(user("hello bedrock"), {}, { maxTokens: 50 });
      check(r.content === "You said: hello bedrock", `content: ${r.content}`);
      check(r.usage && r.usage.totalTokens > 0 && r.finishReason === "stop", `usage/finish: ${JSON.stringify(r.usage)} ${r.finishReason}`);
      // Credentials from a function, asked per request.
      let calls = 0;
      const r2 = await createLLM({ ...signed, credentials: async () => (calls++, BEDROCK_CREDENTIALS) }).getAnswer(user("rotating"));
      check(r2.content === "You said: rotating" && calls === 1, `function credentials: ${r2.content} ${calls}`);
    },
    async stream() {
      const s = createLLM(keyed).streamAnswer(user("[[words:50]] [[reasoning:2]]"));
      check(s instanceof ReadableStream, "a ReadableStream");
      let text = "";
      let reasoning = "";
      let finish;
      for await (const c of s) {
        text += c.delta;
        reasoning += c.reasoningDelta ?? "";
        finish = c.finishReason ?? finish;
      }
      check(text.startsWith("w0 w1 ") && text.endsWith("w49 ") && text.split(" ").length === 51, `text: ${text}`);
      check(reasoning === "think0 think1 ", `reasoning: ${reasoning}`);
      check(finish === "stop", `finish: ${finish}`);
      const signedText = [];
      for await (const c of createLLM(signed).streamAnswer(user("héllo 🌍 signed"))) signedText.push(c.delta);
      check(signedText.join("") === "You said: héllo 🌍 signed", `signed stream: ${signedText.join("")}`);
    },
    async abort() {
      const ac = new AbortController();
      let text = "";
      let err;
      try {
        for await (const c of createLLM(signed).streamAnswer(user("[[delay:40]] [[words:100]]"), { signal: ac.signal })) {
          text += c.delta;
          if (text.length > 4) ac.abort();
        }
      } catch (e) {
        err = e;
      }
      check(err instanceof LLMError && err.code === "aborted", `aborted: ${err && err.code}`);
    },
    async failover() {
      // A dead Bedrock region, then one that answers.
      const r = await createLLM({ ...signed, endpoint: deadUrl, backups: [{ region: "us-west-2", endpoint: emulatorUrl }], timeoutMs: 3000 }).getAnswer(user("other region"));
      check(r.content === "You said: other region", `content: ${r.content}`);
      check(r.attempts.length === 2 && r.attempts[0].errorCode === "connection" && r.attempts[1].status === 200, JSON.stringify(r.attempts));
      // Azure down, Bedrock as its backup, streamed.
      const az = createLLM({ provider: "azure", model: "gpt-4o", endpoint: deadUrl, deploymentName: "gpt-4o", apiKey: azureKey, timeoutMs: 3000, backups: [{ ...keyed, provider: "bedrock" }] });
      let text = "";
      for await (const c of az.streamAnswer(user("azure to bedrock"))) text += c.delta;
      check(text === "You said: azure to bedrock", `azure→bedrock: ${text}`);
      // Throttling is not a failover reason.
      let err;
      try {
        await createLLM({ ...signed, backups: [{ region: "us-west-2", endpoint: deadUrl }] }).getAnswer(user("[[fault:429]]"));
      } catch (e) {
        err = e;
      }
      check(err instanceof LLMError && err.code === "rate_limited" && err.attempts.length === 1, `429: ${err && err.code} ${JSON.stringify(err && err.attempts)}`);
      check(!JSON.stringify(err).includes(BEDROCK_CREDENTIALS.secretAccessKey), "no secret");
    },
    async clockSkew() {
      // The server's clock 15 minutes ahead: "Signature expired", retried once with its time.
      const r = await createLLM(signed).getAnswer(user("[[fault:skewed-clock]] late clock"));
      check(r.content === "You said: late clock", `content: ${r.content}`);
      check(r.attempts.length === 2 && r.attempts[0].status === 403 && r.attempts[1].status === 200, JSON.stringify(r.attempts));
    },
  };
  const results = [];
  for (const [name, run] of Object.entries(scenarios)) {
    try {
      await run();
      results.push({ name, ok: true });
    } catch (e) {
      results.push({ name, ok: false, error: String(e && e.stack ? e.stack : e) });
    }
  }
  return results;
}
