import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useScratchDirectory } from "@runyard/vitest-config/scratch";
import { describe, expect, it } from "vitest";
import { readInputFile } from "./input-file.js";

const scratch = useScratchDirectory("ry-input-");

describe("readInputFile without following links", () => {
  it("reads a regular file", async () => {
    const path = join(scratch(), "meta.json");
    writeFileSync(path, "{}");
    const read = await readInputFile(path, 1024, { followSymlinks: false });
    expect(read).toEqual({ ok: true, bytes: new TextEncoder().encode("{}") });
  });

  it("refuses a symbolic link, which a link-following read takes", async () => {
    const directory = scratch();
    writeFileSync(join(directory, "elsewhere.json"), "{}");
    const path = join(directory, "meta.json");
    symlinkSync(join(directory, "elsewhere.json"), path);
    expect(await readInputFile(path, 1024, { followSymlinks: false })).toMatchObject({
      ok: false,
      reason: "it is a symbolic link",
    });
    expect(await readInputFile(path, 1024)).toMatchObject({ ok: true });
  });

  it("refuses a directory and a file past the limit", async () => {
    const directory = scratch();
    mkdirSync(join(directory, "meta.json"));
    expect(
      await readInputFile(join(directory, "meta.json"), 1024, { followSymlinks: false }),
    ).toMatchObject({ ok: false, reason: "it is a directory" });
    const big = join(directory, "big.json");
    writeFileSync(big, "x".repeat(2048));
    expect(await readInputFile(big, 1024, { followSymlinks: false })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^the file is larger than the .* limit \(2048 bytes\)$/),
    });
  });
});
