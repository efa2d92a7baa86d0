// Local servers for the adversarial suite, on 127.0.0.1 only. Each counts requests and
// open sockets, so a test can assert that nothing was sent and that every socket closed.
import http from "node:http";

const chunk = (content) => `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", model: "gpt-4.1-mini", choices: [{ index: 0, delta: { content } }] })}\n\n`;
const answer = (content) => JSON.stringify({
  id: "x", object: "chat.completion", model: "gpt-4.1-mini",
  choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

/** An Azure-shaped server. `words` chunks per stream, `delayMs` between them (0: at once). */
export async function sseServer({ words = 5, delayMs = 0 } = {}) {
  const stats = { requests: 0, open: 0, closed: 0 };
  const server = http.createServer((req, res) => {
    stats.requests++;
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const stream = body.includes('"stream":true');
      if (!stream) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(answer("fine"));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      let i = 0;
      const tick = () => {
        if (res.destroyed) return;
        if (i === words) return res.end("data: [DONE]\n\n");
        res.write(chunk(`w${i++} `));
        if (delayMs) setTimeout(tick, delayMs);
        else tick();
      };
      tick();
    });
  });
  server.on("connection", (s) => {
    stats.open++;
    s.on("close", () => {
      stats.open--;
      stats.closed++;
    });
  });
  server.maxConnections = 5000;
  await new Promise((r) => server.listen({ port: 0, host: "127.0.0.1", backlog: 4096 }, r)); // a storm connects at once
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    stats,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  };
}

export const expectedText = (words) => Array.from({ length: words }, (_, i) => `w${i} `).join("");

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function eventually(pred, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await sleep(10);
  }
  return pred();
}

export async function rejection(p) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}
