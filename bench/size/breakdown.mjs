// Reads two `twiggy top --format csv` listings (old, new) and prints, as Markdown, the size
// by area (a module of this crate, or another crate) and the functions that grew most.
// Symbol hashes are dropped so that a function compiled in both builds lines up.
import { readFileSync } from "node:fs";

function parseCsv(text) {
  const rows = [];
  for (const line of text.split("\n").slice(1)) {
    if (!line) continue;
    // The name may be quoted (with "" for a quote); the four numbers follow it.
    const m = /^("(?:[^"]|"")*"|[^,]*),(\d+),/.exec(line);
    if (!m) continue;
    const name = m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1];
    rows.push([name, Number(m[2])]);
  }
  return rows;
}

const clean = (name) => name.replace(/::h[0-9a-f]{16}$/, "").replace(/\[[0-9a-f]{16}\]/g, "");

function area(name) {
  if (name.startsWith("data segment")) return "data (string constants, tables)";
  if (name.startsWith("custom section") || name.includes("subsection")) return "custom sections";
  // `<a::b::C as d::E>::f`: the implementing type's module.
  const path = (name.startsWith("<") ? name.slice(1) : name).split(/[ <>]/)[0];
  const parts = path.split("::");
  if (parts[0] === "llm_edge") return parts.slice(0, parts[1] === "providers" || parts[1] === "models" ? 3 : 2).join("::");
  if (parts.length === 1) return /_[0-9a-f]{16}$/.test(path) ? "wasm-bindgen export and import shims" : "other (unnamed, runtime)";
  return parts[0];
}

function load(file) {
  const byName = new Map();
  const byArea = new Map();
  for (const [raw, size] of parseCsv(readFileSync(file, "utf8"))) {
    if (raw.includes('"function names" subsection') || raw.includes("name section")) continue;
    const n = clean(raw);
    byName.set(n, (byName.get(n) ?? 0) + size);
    const a = area(n);
    byArea.set(a, (byArea.get(a) ?? 0) + size);
  }
  return { byName, byArea };
}

const [oldFile, newFile] = process.argv.slice(2);
const a = load(oldFile);
const b = load(newFile);
const total = (m) => [...m.values()].reduce((x, y) => x + y, 0);
const signed = (d) => (d > 0 ? `+${d}` : String(d));

console.log(`\nTotal (without the name section): ${total(a.byArea)} → ${total(b.byArea)} B (${signed(total(b.byArea) - total(a.byArea))}).\n`);
console.log("| area | old B | new B | change |\n|---|---|---|---|");
const areas = [...new Set([...a.byArea.keys(), ...b.byArea.keys()])].map((k) => [k, a.byArea.get(k) ?? 0, b.byArea.get(k) ?? 0]);
for (const [k, x, y] of areas.sort((p, q) => q[2] - q[1] - (p[2] - p[1]))) if (x !== y) console.log(`| ${k} | ${x} | ${y} | ${signed(y - x)} |`);

console.log("\n| function (grew most) | old B | new B | change |\n|---|---|---|---|");
const names = [...new Set([...a.byName.keys(), ...b.byName.keys()])].map((k) => [k, a.byName.get(k) ?? 0, b.byName.get(k) ?? 0]);
for (const [k, x, y] of names.filter(([k]) => !k.startsWith("data segment")).sort((p, q) => q[2] - q[1] - (p[2] - p[1])).slice(0, Number(process.env.TOP ?? 20))) {
  console.log(`| \`${k.length > 110 ? k.slice(0, 107) + "…" : k}\` | ${x} | ${y} | ${signed(y - x)} |`);
}
