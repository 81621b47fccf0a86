import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/helpers.js";
import { removeTree, shortenPath } from "./remove-tree.js";

describe("removeTree", () => {
  it("removes the link, not what it points to, when the tree itself is a link", async () => {
    const outside = temporaryDirectory();
    writeFileSync(join(outside, "keep"), "x");
    const link = join(temporaryDirectory(), "tree");
    symlinkSync(outside, link);
    await removeTree(link);
    expect(existsSync(link)).toBe(false);
    expect(readFileSync(join(outside, "keep"), "utf8")).toBe("x");
  });

  it("moves deep subtrees up past names the step took, and removes them all", async () => {
    const tree = join(temporaryDirectory(), "tree");
    mkdirSync(join(tree, ".deep-0", "x"), { recursive: true });
    writeFileSync(join(tree, ".deep-1"), "a file named as a moved subtree would be");
    const script = `
      const fs = require("node:fs");
      for (let i = 0; i < 300; i++) { fs.mkdirSync("d"); process.chdir("d"); fs.writeFileSync("f", "x"); }`;
    execFileSync(process.execPath, ["-e", script], { cwd: tree });
    await removeTree(tree);
    expect(existsSync(tree)).toBe(false);
    await removeTree(tree); // already gone: nothing to do
  });

  it("names a long path in a message by its first and last 60 characters", () => {
    const path = `/runs/${"d/".repeat(150)}end`;
    const short = shortenPath(path);
    expect(short).toBe(`${path.slice(0, 60)}…${path.slice(-60)}`);
    expect(shortenPath("/runs/a/b")).toBe("/runs/a/b");
  });
});
