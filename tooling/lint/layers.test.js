import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { checkLayers, importSpecifiers } from "./layers.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const scratch = [];

/** @param {Record<string, string>} files */
function workspace(files) {
  const root = mkdtempSync(join(tmpdir(), "runyard-layers-"));
  scratch.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}
const manifest = (name, dependencies = {}) => JSON.stringify({ name, dependencies });

afterEach(() => {
  for (const root of scratch.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe("layering", () => {
  it("holds for this repository", () => {
    expect(checkLayers(repoRoot)).toEqual([]);
  });

  it("reports an upward import, naming the file and both layers", () => {
    const root = workspace({
      "packages/schema/package.json": manifest("@runyard/schema", { "@runyard/store": "*" }),
      "packages/schema/src/index.ts": 'import { x } from "@runyard/store";\nexport { x };\n',
      "packages/store/package.json": manifest("@runyard/store"),
      "packages/store/src/index.ts": "export const x = 1;\n",
    });
    expect(checkLayers(root)).toEqual([
      "packages/schema/src/index.ts: @runyard/schema (layer 0) imports @runyard/store (layer 2); imports must point down",
    ]);
  });

  it("reports a sibling import, an undeclared dependency and a deep import", () => {
    const root = workspace({
      "packages/store/package.json": manifest("@runyard/store"),
      "packages/store/src/index.ts": 'export * from "@runyard/ipc";\n',
      "packages/ipc/package.json": manifest("@runyard/ipc"),
      "packages/ipc/src/index.ts": "export const y = 1;\n",
      "packages/executor/package.json": manifest("@runyard/executor", { "@runyard/ipc": "*" }),
      "packages/executor/src/run.ts": 'import { y } from "@runyard/ipc/src/index.ts";\nvoid y;\n',
    });
    expect(checkLayers(root)).toEqual([
      'packages/executor/src/run.ts: deep import "@runyard/ipc/src/index.ts" into @runyard/ipc\'s internals',
      "packages/store/src/index.ts: @runyard/store (layer 2) imports @runyard/ipc (layer 2); imports must point down",
      "packages/store/src/index.ts: imports @runyard/ipc but @runyard/store does not declare it",
    ]);
  });

  it("reports a cycle between the files of a package", () => {
    const root = workspace({
      "packages/schema/package.json": manifest("@runyard/schema"),
      "packages/schema/src/a.ts": 'import { b } from "./b.js";\nexport const a = b;\n',
      "packages/schema/src/b.ts": 'import { a } from "./a.js";\nexport const b = a;\n',
    });
    expect(checkLayers(root)).toEqual([
      "@runyard/schema: import cycle packages/schema/src/a.ts → packages/schema/src/b.ts → packages/schema/src/a.ts",
    ]);
  });

  it("finds static, dynamic, side-effect and re-export specifiers", () => {
    const source = [
      'import type { A } from "@runyard/schema";',
      'export { b } from "./b.js";',
      'import "./side.js";',
      'const m = await import("@runyard/protocol");',
    ].join("\n");
    expect(importSpecifiers(source)).toEqual([
      "@runyard/schema",
      "./b.js",
      "./side.js",
      "@runyard/protocol",
    ]);
  });
});
