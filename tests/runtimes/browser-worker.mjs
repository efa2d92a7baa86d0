// The runtime scenarios inside a module Worker (no DOM, no window).
import * as pkg from "/pkg/web.js";
import { runScenarios } from "/tests/runtimes/scenarios.mjs";

const { primary, key } = await fetch("/config.json").then((r) => r.json());
self.postMessage(await runScenarios(pkg, { emulatorUrl: primary, key }));
