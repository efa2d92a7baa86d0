// Function sizes of a wasm with a name section, as CSV in the shape bench/size/breakdown.mjs
// reads from `twiggy top --format csv` (name, bytes, ...): each function body's size in the
// code section under its name, each data segment as "data segment[i]". For machines without
// twiggy.   node bench/size/wasm-sizes.mjs file.wasm > file.csv
import { readFileSync } from "node:fs";

const b = readFileSync(process.argv[2]);
let p = 8;
const leb = () => {
  let r = 0, s = 0, x;
  do { x = b[p++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80);
  return r;
};
const str = () => { const n = leb(); const t = b.toString("utf8", p, p + n); p += n; return t; };
let imported = 0;
const bodies = [];
const data = [];
const names = new Map();
while (p < b.length) {
  const id = b[p++];
  const size = leb();
  const end = p + size;
  if (id === 2) {
    for (let n = leb(); n > 0; n--) {
      str(); str();
      const kind = b[p++];
      if (kind === 0) { leb(); imported++; }
      else if (kind === 1) { p++; const f = leb(); leb(); if (f & 1) leb(); }
      else if (kind === 2) { const f = leb(); leb(); if (f & 1) leb(); }
      else if (kind === 3) { p += 2; }
      else if (kind === 4) { p++; leb(); }
    }
  } else if (id === 10) {
    for (let n = leb(); n > 0; n--) { const s = leb(); bodies.push(s + Math.ceil(Math.log2(s + 1) / 7)); p += s; }
  } else if (id === 11) {
    for (let n = leb(), i = 0; n > 0; n--, i++) { const start = p; const f = leb(); if (f === 0 || f === 2) { if (f === 2) leb(); while (b[p++] !== 0x0b); } const l = leb(); p += l; data.push(p - start); }
  } else if (id === 0) {
    const name = str();
    if (name === "name") {
      while (p < end) {
        const sub = b[p++]; const sl = leb(); const se = p + sl;
        if (sub === 1) for (let n = leb(); n > 0; n--) { const i = leb(); names.set(i, str()); }
        p = se;
      }
    }
  }
  p = end;
}
const q = (s) => `"${s.replace(/"/g, '""')}"`;
console.log("Name,ShallowSize,ShallowSizePercent");
bodies.forEach((s, i) => console.log(`${q(names.get(imported + i) ?? `code[${i}]`)},${s},0`));
data.forEach((s, i) => console.log(`${q(`data segment[${i}]`)},${s},0`));
