// Runs the runtime scenarios inside workerd: GET /scenarios returns their results.
import * as pkg from "../../pkg/workerd.js";
import { runScenarios } from "./scenarios.mjs";

export default {
  async fetch(request, env) {
    const results = await runScenarios(pkg, { emulatorUrl: env.EMULATOR_URL });
    return Response.json(results);
  },
};
