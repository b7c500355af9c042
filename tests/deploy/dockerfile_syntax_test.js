// deploy/Dockerfile through dockerfile-utils (the linter behind VS Code's
// Dockerfile support, pinned in package.json, runs offline): every
// instruction parses, with valid flags, durations, ports and stage names.
// The project's own rules are in dockerfile_lint_test.py.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { validate } = require("dockerfile-utils");

const DOCKERFILE = path.resolve(__dirname, "..", "..", "deploy", "Dockerfile");

function problems(text) {
  return validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
}

test("the linter reports broken instructions", () => {
  const found = problems(
    "FROM debian:12\nHEALTHCHECK --interval=abc CMD true\nEXPOSE notaport\nSTOPSIGNAL\n");
  assert.equal(found.length, 3, found.join("\n"));
});

test("deploy/Dockerfile has no syntax problems", () => {
  assert.deepEqual(problems(fs.readFileSync(DOCKERFILE, "utf8")), []);
});
