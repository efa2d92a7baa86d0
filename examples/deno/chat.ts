// A terminal chat that streams, in Deno.
//   deno run --allow-net --allow-env --allow-read examples/deno/chat.ts
// (with AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_DEPLOYMENT and AZURE_OPENAI_KEY set;
// "llm-edge" maps to the package in deno.json, or use "npm:llm-edge")
import { createLLM, LLMError, type Message } from "llm-edge";

const env = Deno.env.toObject();
const llm = createLLM({
  provider: "azure",
  model: env.AZURE_OPENAI_MODEL ?? "gpt-4.1-mini",
  endpoint: env.AZURE_OPENAI_ENDPOINT,
  deploymentName: env.AZURE_OPENAI_DEPLOYMENT,
  apiKey: env.AZURE_OPENAI_KEY,
});

const history: Message[] = [{ role: "system", content: "You are a concise assistant." }];
const encoder = new TextEncoder();
const write = (s: string) => Deno.stdout.writeSync(encoder.encode(s));
const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
let buffered = "";
for await (const piece of lines) {
  buffered += piece;
  let i;
  while ((i = buffered.indexOf("\n")) >= 0) {
    const line = buffered.slice(0, i);
    buffered = buffered.slice(i + 1);
    if (!line.trim()) Deno.exit(0);
    history.push({ role: "user", content: line });
    write("assistant> ");
    let answer = "";
    try {
      for await (const chunk of llm.streamAnswer(history)) {
        answer += chunk.delta;
        write(chunk.delta);
      }
    } catch (e) {
      if (!(e instanceof LLMError)) throw e;
      write(`\n[${e.code}] ${e.message}`);
      answer = e.partialContent ?? answer;
    }
    history.push({ role: "assistant", content: answer });
    write("\n");
  }
}
