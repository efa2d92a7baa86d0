// The credentials the emulator's Bedrock routes accept by default (plain constants, so
// browsers, Deno and Workers can import them too). Fake, and only ever sent to 127.0.0.1.
export const BEDROCK_CREDENTIALS = {
  accessKeyId: "AKIAEMULATOR00000001",
  secretAccessKey: "emulator/Secret+Key/0123456789abcdefghijKLMN",
  sessionToken: "emulator-session-token-IQoJb3JpZ2luX2VjEHUaCXVzLWVhc3QtMSJHMEUCIQ",
};
export const BEDROCK_API_KEY = "ABSKQmVkcm9ja0FQSUtleS1lbXVsYXRvcg==";
