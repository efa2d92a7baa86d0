#!/usr/bin/env node
// A terminal chat that streams: type a message, the answer streams back; the conversation
// is kept. Ctrl+C stops an answer; an empty line or Ctrl+D ends.
//   AZURE_OPENAI_ENDPOINT=... AZURE_OPENAI_DEPLOYMENT=... AZURE_OPENAI_KEY=... node examples/node/chat.mjs
import { createInterface } from "node:readline";
import { createLLM, LLMError } from "llm-edge";

const env = process.env;
const llm = createLLM({
  provider: "azure",
  model: env.AZURE_OPENAI_MODEL ?? "gpt-4.1-mini",
  endpoint: env.AZURE_OPENAI_ENDPOINT,
  deploymentName: env.AZURE_OPENAI_DEPLOYMENT,
  apiKey: env.AZURE_OPENAI_KEY,
  backups: env.AZURE_OPENAI_BACKUP_ENDPOINT ? [{ endpoint: env.AZURE_OPENAI_BACKUP_ENDPOINT }] : [],
});

const history = [{ role: "system", content: "You are a concise assistant." }];
const rl = createInterface({ input: process.stdin, terminal: process.stdin.isTTY });
let current = null;
rl.on("SIGINT", () => (current ? current.abort() : rl.close()));
const interactive = process.stdin.isTTY;
if (interactive) process.stdout.write("you> ");

for await (const line of rl) {
  if (!line.trim()) break;
  history.push({ role: "user", content: line });
  current = new AbortController();
  let answer = "";
  process.stdout.write("assistant> ");
  try {
    for await (const chunk of llm.streamAnswer(history, { signal: current.signal })) {
      answer += chunk.delta;
      process.stdout.write(chunk.delta);
    }
  } catch (e) {
    if (!(e instanceof LLMError)) throw e;
    process.stdout.write(e.code === "aborted" ? " [stopped]" : `\n[${e.code}] ${e.message}${e.hint ? ` (${e.hint})` : ""}`);
    answer = e.partialContent ?? answer;
  }
  current = null;
  if (answer) history.push({ role: "assistant", content: answer });
  process.stdout.write(interactive ? "\nyou> " : "\n");
}
await llm.close();
rl.close();
