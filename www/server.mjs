// Serves the studio demo (www/: vision, image, speech, video), the built package (pkg/) and the browser runtime tests,
// with two embedded Azure emulators (a primary and a backup) so it works offline.
//   node www/server.mjs [--port 8080]     then open http://127.0.0.1:8080/
import http from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../tests/emulator/emulator.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".json": "application/json", ".png": "image/png", ".svg": "image/svg+xml", ".ts": "text/plain" };
// Only these folders are served.
const SERVED = ["www/", "pkg/", "tests/runtimes/", "examples/browser/"];
export const DEMO_KEY = "demo-key";

export async function startDemo({ port = 8080 } = {}) {
  const primary = await startEmulator({ keys: [DEMO_KEY], region: "East US" });
  const backup = await startEmulator({ keys: [DEMO_KEY], region: "West US" });
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    if (url.pathname === "/config.json") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      return res.end(JSON.stringify({ primary: primary.url, backup: backup.url, key: DEMO_KEY }));
    }
    let rel = decodeURIComponent(url.pathname).replace(/^\/+/, "");
    if (rel === "" ) rel = "www/index.html";
    if (rel.endsWith("/")) rel += "index.html";
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep) || !SERVED.some((p) => rel.startsWith(p))) {
      res.writeHead(404, { "content-type": "text/plain" });
      return res.end("not found\n");
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-cache" });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found\n");
    }
  });
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    primary,
    backup,
    async close() {
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
      await primary.close();
      await backup.close();
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf("--port");
  const demo = await startDemo({ port: i > 0 ? Number(process.argv[i + 1]) : 8080 });
  console.log(`llm-edge studio: ${demo.url}/  (emulators: ${demo.primary.url} primary, ${demo.backup.url} backup)`);
}
