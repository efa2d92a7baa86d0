// Shared set-up for the package tests: the built package and a fresh emulator.
import { startEmulator } from "../emulator/emulator.mjs";
export * from "../../pkg/node.js";
import { createLLM } from "../../pkg/node.js";

export const KEY = "sk-SECRET-0123456789abcdef";

export async function emulator(opts = {}) {
  return startEmulator({ keys: [KEY], ...opts });
}

export function azure(emu, over = {}) {
  return createLLM({ provider: "azure", model: "gpt-4.1-mini", endpoint: emu.url, deploymentName: "gpt-4.1-mini", apiKey: KEY, ...over });
}

export const user = (content) => [{ role: "user", content }];

export async function collect(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

/** Every way an error can be shown or logged, as one string, to check for secrets. */
export function everythingAbout(err) {
  return [String(err), err.message, err.hint, err.stack, JSON.stringify(err), JSON.stringify(err.attempts), err.partialContent].join("\n");
}

export async function rejects(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until `pred()` holds (server-side effects land a little after the client sees them). */
export async function eventually(pred, ms = 2000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await sleep(10);
  }
  return pred();
}
