// publint on the packed package, as npm would publish it: `npm pack` of pkg/ → `publint run
// <tarball> --strict` (warnings count as errors) must report nothing at all, suggestions
// included. A control run packs a copy of pkg/ with a broken exports map and expects
// publint to fail, so a publint that cannot see problems does not pass silently.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, readdirSync, readFileSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const publint = path.join(root, "node_modules/.bin/publint");
const tmp = mkdtempSync(path.join(tmpdir(), "llm-edge-publint-"));
const results = [];
function record(name, ok, detail = "") {
  results.push(ok);
  console.log(`${ok ? "ok" : "not ok"} - publint: ${name}${ok ? "" : `\n  ${String(detail).split("\n").join("\n  ")}`}`);
}
function pack(dir, dest) {
  execFileSync("npm", ["pack", "--pack-destination", dest], { cwd: dir, stdio: "ignore" });
  return path.join(dest, readdirSync(dest).find((f) => f.endsWith(".tgz")));
}
function lint(tarball) {
  const r = spawnSync(publint, ["run", tarball, "--strict", "--level", "suggestion"], { encoding: "utf8", timeout: 120_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

try {
  const tarball = pack(path.join(root, "pkg"), tmp);
  const r = lint(tarball);
  record("the packed tarball passes with --strict", r.ok, r.out);
  record("no errors, warnings or suggestions", r.ok && /All good!/.test(r.out), r.out);

  // Control: the same package with the "." types pointing at a file that is not shipped.
  const copy = path.join(tmp, "broken");
  cpSync(path.join(root, "pkg"), copy, { recursive: true });
  const pj = JSON.parse(readFileSync(path.join(copy, "package.json"), "utf8"));
  pj.exports["."].types = "./missing.d.ts";
  writeFileSync(path.join(copy, "package.json"), JSON.stringify(pj, null, 2));
  const dest = path.join(tmp, "broken-pack");
  mkdirSync(dest);
  const bad = lint(pack(copy, dest));
  record("control: a broken exports map fails (publint is really checking)", !bad.ok && /missing\.d\.ts/.test(bad.out), bad.out);
} catch (e) {
  record("runs", false, e?.stack ?? e);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const failed = results.filter((r) => !r).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
