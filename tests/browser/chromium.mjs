// Headless Chromium (Debian's, driven by playwright-core): the runtime scenarios in a page
// and in a module Worker, then the www vision demo as a person would use it. Saves a
// screenshot to tests/artifacts/www-demo.png.
import { chromium } from "playwright-core";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { png } from "../js/png.mjs";
import { startDemo } from "../../www/server.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const results = [];
function record(name, ok, detail = "") {
  results.push(ok);
  console.log(`${ok ? "ok" : "not ok"} - chromium: ${name}${ok ? "" : `\n  ${detail}`}`);
}

const demo = await startDemo({ port: 0 });
// A fresh profile each run (playwright wants it as the persistent context's folder).
const browser = await chromium.launchPersistentContext(mkdtempSync(path.join(tmpdir(), "llm-edge-chromium-")), {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  viewport: { width: 1360, height: 820 },
});
try {
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));

  // ---- runtime scenarios: page and module Worker
  await page.goto(`${demo.url}/tests/runtimes/browser.html`);
  await page.waitForFunction(() => window.workerResults !== undefined, null, { timeout: 30_000 });
  for (const where of ["pageResults", "workerResults"]) {
    for (const r of await page.evaluate((w) => window[w], where)) record(`${where === "pageResults" ? "page" : "module worker"}: ${r.name}`, r.ok, r.error);
  }

  // ---- examples/browser: a minimal page importing "llm-edge" through an import map
  await page.goto(`${demo.url}/examples/browser/index.html`);
  await page.click("button");
  await page.waitForSelector("#out[data-done=true]", { timeout: 10_000 });
  const exampleText = await page.textContent("#out");
  record("examples/browser/index.html streams an answer", exampleText === "You said: Hello from a browser", exampleText);

  // ---- the www demo
  await page.goto(`${demo.url}/`);
  await page.waitForSelector("body[data-ready=true]");
  const image = png(320, 200);
  const file = path.join(mkdtempSync(path.join(tmpdir(), "llm-edge-png-")), "gradient.png");
  writeFileSync(file, image);
  await page.setInputFiles("#files", file);
  await page.waitForSelector("#thumbs li");
  const caption = await page.textContent("#thumbs li div");
  record("the file input shows a thumbnail with pixel size and bytes", caption.includes("320×200") && caption.includes(`${(image.length / 1024).toFixed(1)} KB`), caption);

  await page.fill("#question", "Describe this picture.");
  await page.click("#send");
  await page.waitForFunction(() => !document.querySelector("#answer").classList.contains("streaming") && document.querySelector("#stats dd"), null, { timeout: 10_000 });
  const answer = await page.textContent("#answer");
  record("the streamed answer names the uploaded PNG's size (the bytes arrived intact)", answer.includes(`png 320x200, ${image.length} bytes`) && answer.includes("Describe this picture."), answer);
  const stats = await page.textContent("#stats");
  record("the page shows the serving endpoint, latency and tokens", stats.includes(demo.primary.url) && /tokens\d+ in · \d+ out/.test(stats), stats);

  // Stop on a slow stream: the request is aborted and the text so far stays.
  await page.check("#slow");
  await page.click("#send");
  await page.waitForFunction(() => document.querySelector("#answer").textContent.length > 12, null, { timeout: 10_000 });
  await page.click("#stop");
  await page.waitForFunction(() => document.querySelector("#send").disabled === false, null, { timeout: 5_000 });
  const stopped = await page.textContent("#stats");
  const partial = await page.textContent("#answer");
  const aborted = demo.primary.requests.at(-1);
  await new Promise((r) => setTimeout(r, 200));
  record("Stop aborts the stream: the server sees the client go, the partial answer stays", stopped.includes("stopped") && partial.length > 12 && !partial.includes("You asked: Describe this picture.") && aborted.closedEarly === true, `${stopped} | ${partial} | ${aborted.closedEarly}`);
  await page.uncheck("#slow");

  // Failover: a 503 on the primary, the backup answers, the attempts show both.
  await page.selectOption("#fault", "503");
  await page.click("#send");
  await page.waitForFunction(() => document.querySelectorAll("#attempts li").length >= 2, null, { timeout: 10_000 });
  const attempts = await page.$$eval("#attempts li", (lis) => lis.map((li) => li.textContent));
  const served = await page.textContent("#stats");
  record("a fault injected on the primary fails over to the backup, shown in the attempts", attempts[0].includes(`${demo.primary.url} → 503`) && attempts[1].includes(`${demo.backup.url} → 200`) && served.includes(demo.backup.url), attempts.join(" | "));
  mkdirSync(path.join(root, "tests/artifacts"), { recursive: true });
  await page.screenshot({ path: path.join(root, "tests/artifacts/www-demo.png"), fullPage: true });

  // A typed error shown plainly: 429 does not fail over.
  await page.selectOption("#fault", "429");
  await page.click("#send");
  await page.waitForSelector("#error:not([hidden])", { timeout: 10_000 });
  const err = await page.textContent("#error");
  record("a typed error is shown with its code and hint", err.includes("rate_limited") && /quota/i.test(err), err);
  await page.selectOption("#fault", "");
  await page.screenshot({ path: path.join(root, "tests/artifacts/www-demo-error.png"), fullPage: true });
  record("no uncaught errors in the page", consoleErrors.length === 0, consoleErrors.join("\n"));
} catch (e) {
  record("chromium run", false, e.stack);
} finally {
  await browser.close();
  await demo.close();
}
const failed = results.filter((r) => !r).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
