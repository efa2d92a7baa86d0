// scripts/bump-version.sh on a temporary copy of the files it edits (the repository is never
// touched): the versions, the changelog's sections and links, and what it refuses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, copyFileSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const FILES = ["scripts/bump-version.sh", "pkg-template/package.json", "Cargo.toml", "Cargo.lock", "CHANGELOG.md"];

/** A copy of the files bump-version.sh reads, with the changelog replaced when given. */
function copy(changelog) {
  const dir = mkdtempSync(path.join(tmpdir(), "llm-edge-bump-"));
  for (const f of FILES) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    copyFileSync(path.join(root, f), path.join(dir, f));
  }
  if (changelog !== undefined) writeFileSync(path.join(dir, "CHANGELOG.md"), changelog);
  return dir;
}
const bump = (dir, version, date = "2031-02-03") =>
  spawnSync("bash", [path.join(dir, "scripts/bump-version.sh"), version], { encoding: "utf8", env: { ...process.env, BUMP_DATE: date } });
const read = (dir, f) => readFileSync(path.join(dir, f), "utf8");

const LOG = `# Changelog

Intro text.

## [Unreleased]

### Added
- A new helper.

### Fixed
- A bug.

## [0.1.0] - 2030-01-01

### Added
- First release.

[Unreleased]: https://github.com/o/r/compare/v0.1.0...HEAD
[0.1.0]: https://github.com/o/r/releases/tag/v0.1.0
`;

test("bump-version: every version and the changelog (Keep a Changelog) move to the new release", () => {
  const dir = copy(LOG);
  try {
    const before = JSON.parse(read(dir, "pkg-template/package.json")).version;
    const r = bump(dir, "0.2.0");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${before.replace(/\./g, "\\.")} → 0\\.2\\.0`));
    assert.equal(JSON.parse(read(dir, "pkg-template/package.json")).version, "0.2.0");
    assert.match(read(dir, "Cargo.toml"), /^\[package\]\nname = "llm-edge"\nversion = "0\.2\.0"$/m);
    assert.match(read(dir, "Cargo.lock"), /^name = "llm-edge"\nversion = "0\.2\.0"$/m);
    // Only the crate's own entry in Cargo.lock changes.
    const lockBefore = readFileSync(path.join(root, "Cargo.lock"), "utf8").split("\n");
    const lockAfter = read(dir, "Cargo.lock").split("\n");
    assert.equal(lockAfter.filter((l, i) => l !== lockBefore[i]).length, 1);
    assert.equal(read(dir, "CHANGELOG.md"), `# Changelog

Intro text.

## [Unreleased]

## [0.2.0] - 2031-02-03

### Added
- A new helper.

### Fixed
- A bug.

## [0.1.0] - 2030-01-01

### Added
- First release.

[Unreleased]: https://github.com/o/r/compare/v0.2.0...HEAD
[0.2.0]: https://github.com/o/r/compare/v0.1.0...v0.2.0
[0.1.0]: https://github.com/o/r/releases/tag/v0.1.0
`);
    // A second release right after: Unreleased is empty, so it is refused.
    const again = bump(dir, "0.3.0");
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /no entries/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bump-version: the repository's own CHANGELOG.md takes a release", () => {
  const dir = copy();
  try {
    const r = bump(dir, "9.0.0", "2031-12-31");
    assert.equal(r.status, 0, r.stderr);
    const log = read(dir, "CHANGELOG.md");
    assert.match(log, /^## \[Unreleased\]\n\n## \[9\.0\.0\] - 2031-12-31\n\n### /m);
    assert.match(log, /^\[Unreleased\]: \S+\/compare\/v9\.0\.0\.\.\.HEAD$/m);
    assert.match(log, /^\[9\.0\.0\]: \S+\/compare\/v\S+\.\.\.v9\.0\.0$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bump-version refuses bad input and then changes nothing", () => {
  const dir = copy(LOG);
  try {
    const snapshot = () => FILES.map((f) => read(dir, f)).join("\0");
    const start = snapshot();
    for (const [args, date, why] of [
      ["1.2", undefined, /not a version/],
      ["v1.2.3", undefined, /not a version/],
      ["0.0.9", undefined, /not above the current version/],
      ["0.1.0", undefined, /not above the current version/],
      ["0.2.0", "31/12/2031", /BUMP_DATE/],
    ]) {
      const r = bump(dir, args, date);
      assert.notEqual(r.status, 0, `${args} was accepted`);
      assert.match(r.stderr, why);
    }
    const dup = copy(LOG.replace("## [Unreleased]\n", "## [Unreleased]\n\n### Added\n- x\n\n## [0.5.0] - 2030-06-01\n"));
    const r = bump(dup, "0.5.0");
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /already has a section for 0\.5\.0/);
    rmSync(dup, { recursive: true, force: true });
    assert.equal(spawnSync("bash", [path.join(dir, "scripts/bump-version.sh")], { encoding: "utf8" }).status, 2, "no argument: usage");
    assert.equal(snapshot(), start);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
