// The runtime scenarios in Node (run by the Node 20 and Node 24 binaries), importing the
// package by name through its exports map from a packed install.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startEmulator } from "../emulator/emulator.mjs";
import { runScenarios } from "./scenarios.mjs";

const pkg = await import(process.env.LLM_EDGE_IMPORT ?? "../../pkg/node.js");
let emu;
before(async () => (emu = await startEmulator()));
after(() => emu.close());

test(`runtime scenarios in Node ${process.version}`, async () => {
  const results = await runScenarios(pkg, { emulatorUrl: emu.url });
  for (const r of results) assert.ok(r.ok, `${r.name}: ${r.error}`);
  assert.equal(results.length, 7);
});
