// Link check of the documentation: every relative link (Markdown inline and reference links,
// images, HTML href/src) in docs/api, README.md and pkg-template/README.md resolves to a
// file or folder that exists, and its #anchor to a heading (GitHub's slugs) or an explicit
// id in the target. External links (a scheme such as https:, or //host) are not fetched.
// pkg-template/README.md is checked where it is read: as pkg/README.md, in the built package
// (its ./CHANGELOG.md is copied there by scripts/build.sh; a link into the repository would
// not exist for npm users). Also: docs/api is what scripts/docs.sh generates from the .d.ts
// files today, and a control proves the checker reports broken links and anchors.
//   node tests/package/links.mjs        prints "ok"/"not ok" lines, then "N passed, M failed"
import { existsSync, readFileSync, readdirSync, statSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let passed = 0;
let failed = 0;
function record(ok, name, detail = "") {
  if (ok) passed++;
  else failed++;
  if (!ok || process.env.VERBOSE) console.log(`${ok ? "ok" : "not ok"} - ${name}${detail ? `\n  ${detail.split("\n").join("\n  ")}` : ""}`);
}

/** Markdown text without fenced code blocks and inline code spans (links there are code). */
function prose(text) {
  const lines = text.split("\n");
  let fence = null;
  return lines
    .map((line) => {
      const m = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
      if (fence) {
        if (m && m[1][0] === fence[0] && m[1].length >= fence.length) fence = null;
        return "";
      }
      if (m) {
        fence = m[1];
        return "";
      }
      return line.replace(/(`+)(?:(?!\1)[^])*?\1/g, (s) => " ".repeat(s.length));
    })
    .join("\n");
}

/** GitHub's anchor for a heading: its text lowercased, punctuation dropped, spaces → "-". */
function slug(heading) {
  const text = heading
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/\\(.)/g, "$1")
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

const anchorCache = new Map();
/** The anchors a Markdown file defines: heading slugs (repeats get -1, -2, ...) and ids. */
function anchorsOf(file) {
  if (anchorCache.has(file)) return anchorCache.get(file);
  const text = readFileSync(file, "utf8");
  const out = new Set();
  const seen = new Map();
  const code = prose(text);
  for (const line of text.split("\n").map((l, i) => (code.split("\n")[i] === "" && l !== "" ? "" : l))) {
    const h = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      const base = slug(h[1]);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      out.add(n ? `${base}-${n}` : base);
    }
    for (const m of line.matchAll(/<a\s[^>]*?(?:id|name)\s*=\s*"([^"]+)"/g)) out.add(m[1]);
  }
  anchorCache.set(file, out);
  return out;
}

/** Every link target in a Markdown text, with its line number. */
export function linksOf(text) {
  const out = [];
  prose(text)
    .split("\n")
    .forEach((line, i) => {
      for (const m of line.matchAll(/\]\(\s*(?:<([^>]*)>|([^\s)]*(?:\([^\s)]*\)[^\s)]*)*))(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g)) out.push({ target: m[1] ?? m[2], line: i + 1 });
      const ref = /^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(line);
      if (ref) out.push({ target: ref[1], line: i + 1 });
      for (const m of line.matchAll(/\s(?:href|src)\s*=\s*"([^"]*)"/g)) out.push({ target: m[1], line: i + 1 });
    });
  return out;
}

/** Why a relative link from `file` (read as if it sat in `dir`) does not resolve, or null. */
export function brokenLink(target, file, dir = path.dirname(file)) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) return null; // external
  const hash = target.indexOf("#");
  let rel = hash >= 0 ? target.slice(0, hash) : target;
  const anchor = hash >= 0 ? decodeURIComponent(target.slice(hash + 1)) : "";
  rel = decodeURIComponent(rel.replace(/\?.*$/, ""));
  if (rel === "" && hash < 0) return "an empty link";
  let dest = rel === "" ? file : rel.startsWith("/") ? path.join(root, rel) : path.resolve(dir, rel);
  if (!existsSync(dest)) return `${path.relative(root, dest)} does not exist`;
  if (!anchor) return null;
  if (statSync(dest).isDirectory()) dest = path.join(dest, "README.md");
  if (!dest.endsWith(".md") || !existsSync(dest)) return null; // anchors into code files (#L10) are not checked
  return anchorsOf(dest).has(anchor) ? null : `${path.relative(root, dest)} has no anchor #${anchor}`;
}

function checkFile(file, { dir, label = path.relative(root, file) } = {}) {
  const broken = [];
  const links = linksOf(readFileSync(file, "utf8"));
  let relative = 0;
  for (const { target, line } of links) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//")) continue;
    relative++;
    const why = brokenLink(target, file, dir);
    if (why) broken.push(`${label}:${line}: (${target}) ${why}`);
  }
  return { relative, broken };
}

function mdFiles(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => path.join(dir, f));
}

// 1. The checker itself: a broken file, a broken anchor and a repeated heading's anchor.
{
  const tmp = mkdtempSync(path.join(os.tmpdir(), "llm-edge-links-"));
  try {
    mkdirSync(path.join(tmp, "sub"));
    writeFileSync(path.join(tmp, "sub/b.md"), "# Title\n\n## Usage\n\n## Usage\n\n### `run()` & more\n\n<a id=\"custom\"></a>\n");
    writeFileSync(
      path.join(tmp, "a.md"),
      [
        "[ok](sub/b.md) [ok](sub/b.md#usage-1) [ok](sub/b.md#run--more) [ok](./sub/b.md#custom) [ok](#local)",
        "[missing](sub/nope.md) [bad anchor](sub/b.md#usage-2) ![img](sub/gone.png)",
        "[ref]: sub/b.md#nothing",
        "```",
        "[in code](not-checked.md)",
        "```",
        "`[inline](not-checked.md)` [ext](https://example.invalid/x.md)",
        "## Local",
      ].join("\n"),
    );
    const r = checkFile(path.join(tmp, "a.md"));
    const expected = ["sub/nope.md", "sub/b.md#usage-2", "sub/gone.png", "sub/b.md#nothing"];
    const got = r.broken.map((b) => /\((.*?)\)/.exec(b)[1]);
    record(r.relative === 9 && JSON.stringify(got) === JSON.stringify(expected), "the checker reports exactly the broken links of a control file (files, anchors, images, references; not code or external links)", `relative links: ${r.relative}; broken: ${JSON.stringify(got)}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// 2. docs/api is what scripts/docs.sh generates from the declarations now.
{
  const api = path.join(root, "docs/api");
  const tmp = mkdtempSync(path.join(os.tmpdir(), "llm-edge-docs-"));
  try {
    const gen = spawnSync("bash", [path.join(root, "scripts/docs.sh"), path.join(tmp, "api")], { cwd: root, encoding: "utf8" });
    if (gen.status !== 0) record(false, "scripts/docs.sh generates the API reference", `${gen.stdout}${gen.stderr}`);
    else {
      const list = (d) => (existsSync(d) ? readdirSync(d, { recursive: true }).filter((f) => statSync(path.join(d, f)).isFile()).sort() : []);
      const want = list(path.join(tmp, "api"));
      const have = list(api);
      const diff = [
        ...want.filter((f) => !have.includes(f)).map((f) => `missing: docs/api/${f}`),
        ...have.filter((f) => !want.includes(f)).map((f) => `not generated any more: docs/api/${f}`),
        ...want.filter((f) => have.includes(f) && readFileSync(path.join(api, f), "utf8") !== readFileSync(path.join(tmp, "api", f), "utf8")).map((f) => `differs: docs/api/${f}`),
      ];
      record(diff.length === 0 && want.length > 0, `docs/api is up to date with pkg-template/*.d.ts (${want.length} pages)`, diff.length ? `${diff.slice(0, 10).join("\n")}${diff.length > 10 ? `\n... ${diff.length - 10} more` : ""}\nRun: bash scripts/docs.sh` : "");
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// 3. The links, file by file.
const targets = [
  ...mdFiles(path.join(root, "docs/api")).map((f) => ({ file: f })),
  { file: path.join(root, "README.md") },
  { file: path.join(root, "pkg-template/README.md"), dir: path.join(root, "pkg"), label: "pkg-template/README.md (as pkg/README.md)" },
];
if (!existsSync(path.join(root, "pkg/package.json"))) record(false, "the built package (pkg/) exists to check the package README's links in", "Run: bash scripts/build.sh");
let total = 0;
for (const t of targets) {
  const { relative, broken } = checkFile(t.file, t);
  total += relative;
  record(broken.length === 0, `${t.label ?? path.relative(root, t.file)}: its relative links resolve (${relative})`, broken.join("\n"));
}
console.log(`${total} relative links in ${targets.length} files`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
