// The Bedrock scenarios inside workerd with the full variant's workerd entry:
// GET /scenarios returns their results.
import * as pkg from "../../pkg/full/workerd.js";
import { runBedrockScenarios } from "./bedrock-scenarios.mjs";

export default {
  async fetch(request, env) {
    return Response.json(await runBedrockScenarios(pkg, { emulatorUrl: env.EMULATOR_URL }));
  },
};
