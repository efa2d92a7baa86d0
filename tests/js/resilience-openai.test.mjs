// The resilience fault matrix again, through the OpenAI provider (the emulator's /v1 path).
process.env.LLM_EDGE_PROVIDER = "openai";
await import("./resilience.test.mjs");
