#!/usr/bin/env bash
# Sets the release version everywhere it is written and closes the changelog's Unreleased
# section:  bash scripts/bump-version.sh X.Y.Z
#   - pkg-template/package.json "version" (the npm package, built into pkg/)
#   - Cargo.toml [package] version, and the crate's entry in Cargo.lock
#   - CHANGELOG.md (Keep a Changelog): the Unreleased section's entries move under
#     "## [X.Y.Z] - YYYY-MM-DD" (today, UTC; BUMP_DATE=YYYY-MM-DD overrides), a new empty
#     Unreleased section stays on top, and the compare links at the bottom are updated.
# Refuses (changing nothing) a version that is not X.Y.Z[-pre], is not above the current one,
# is already in the changelog, or when Unreleased has no entries.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# = 1 ] || { echo "usage: bash scripts/bump-version.sh X.Y.Z" >&2; exit 2; }
NEW=$1 DATE=${BUMP_DATE:-$(date -u +%F)} node --input-type=module - <<'EOF'
import { readFileSync, writeFileSync } from "node:fs";
const { NEW, DATE } = process.env;
const die = (m) => { console.error(`bump-version: ${m}`); process.exit(1); };
const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/;
if (!SEMVER.test(NEW)) die(`"${NEW}" is not a version X.Y.Z (or X.Y.Z-pre)`);
if (!/^\d{4}-\d{2}-\d{2}$/.test(DATE)) die(`BUMP_DATE "${DATE}" is not YYYY-MM-DD`);

const pkgPath = "pkg-template/package.json";
const pkgText = readFileSync(pkgPath, "utf8");
const OLD = JSON.parse(pkgText).version;
// Precedence without pre-release ordering subtleties: numbers first; a release is above its
// pre-releases; two pre-releases of one version compare as strings.
const cmp = (a, b) => {
  const [, ...x] = a.match(SEMVER), [, ...y] = b.match(SEMVER);
  for (let i = 0; i < 3; i++) if (+x[i] !== +y[i]) return +x[i] - +y[i];
  if (x[3] === y[3]) return 0;
  if (x[3] === undefined) return 1;
  if (y[3] === undefined) return -1;
  return x[3] < y[3] ? -1 : 1;
};
if (cmp(NEW, OLD) <= 0) die(`${NEW} is not above the current version ${OLD}`);

// Every edit is computed first; files are written only when all of them apply.
const pkgOut = pkgText.replace(/("version"\s*:\s*")[^"]*(")/, `$1${NEW}$2`);

const cargoText = readFileSync("Cargo.toml", "utf8");
const cargoRe = /(\[package\][^\[]*?\nversion\s*=\s*")[^"]*(")/;
if (!cargoRe.test(cargoText)) die("Cargo.toml has no [package] version");
const cargoOut = cargoText.replace(cargoRe, `$1${NEW}$2`);
const crate = cargoText.match(/\[package\][^\[]*?\nname\s*=\s*"([^"]+)"/)?.[1];
let lockText = null, lockOut = null;
try { lockText = readFileSync("Cargo.lock", "utf8"); } catch {}
if (lockText !== null && crate) {
  const lockRe = new RegExp(`(\\[\\[package\\]\\]\\nname = "${crate.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"\\nversion = ")[^"]*(")`);
  lockOut = lockText.replace(lockRe, `$1${NEW}$2`);
}

const log = readFileSync("CHANGELOG.md", "utf8");
if (new RegExp(`^## \\[${NEW.replace(/\./g, "\\.")}\\]`, "m").test(log)) die(`CHANGELOG.md already has a section for ${NEW}`);
const head = log.match(/^## \[Unreleased\][^\n]*\n/m);
if (!head) die("CHANGELOG.md has no \"## [Unreleased]\" section");
const start = head.index + head[0].length;
const next = log.slice(start).search(/^## \[/m);
const body = next < 0 ? log.slice(start) : log.slice(start, start + next);
// Entries are list items; headings alone ("### Added") with nothing under them are no release.
if (!/^\s*[-*] /m.test(body)) die("the Unreleased section of CHANGELOG.md has no entries");
let out = `${log.slice(0, head.index)}## [Unreleased]\n\n## [${NEW}] - ${DATE}\n${body.replace(/^\n*/, "\n")}${next < 0 ? "" : log.slice(start + next)}`;
// Links: Unreleased compares from the new tag; the new version compares from the previous one.
const linkRe = /^\[Unreleased\]:\s*(\S+?)\/compare\/v?([^.\s]+\.[^.\s]+\.[^\s]+?)\.\.\.HEAD\s*$/m;
const link = out.match(linkRe);
if (link) {
  const [, base, prev] = link;
  out = out.replace(linkRe, `[Unreleased]: ${base}/compare/v${NEW}...HEAD\n[${NEW}]: ${base}/compare/v${prev}...v${NEW}`);
}

writeFileSync(pkgPath, pkgOut);
writeFileSync("Cargo.toml", cargoOut);
if (lockOut !== null) writeFileSync("Cargo.lock", lockOut);
writeFileSync("CHANGELOG.md", out);
console.log(`bump-version: ${OLD} → ${NEW} (${DATE}): pkg-template/package.json, Cargo.toml${lockOut !== null ? ", Cargo.lock" : ""}, CHANGELOG.md`);
EOF
