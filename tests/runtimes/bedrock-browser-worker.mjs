// The Bedrock scenarios inside a module Worker (no DOM, no window), full variant.
import * as pkg from "/pkg/full/web.js";
import { runBedrockScenarios } from "/tests/runtimes/bedrock-scenarios.mjs";

const { emulatorUrl } = await fetch("/bedrock-config.json").then((r) => r.json());
self.postMessage(await runBedrockScenarios(pkg, { emulatorUrl }));
