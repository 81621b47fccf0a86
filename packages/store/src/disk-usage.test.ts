import { linkSync, lstatSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/helpers.js";
import { diskUsage } from "./disk-usage.js";

const MB = 1_000_000;

describe("diskUsage", () => {
  it("counts what is on disk under a directory, hard links once, links as links", async () => {
    const directory = temporaryDirectory();
    mkdirSync(join(directory, "artifacts", "deep"), { recursive: true });
    writeFileSync(join(directory, "000001-step.out"), Buffer.alloc(2 * MB, 1));
    writeFileSync(join(directory, "artifacts", "deep", "model.bin"), Buffer.alloc(MB, 2));
    linkSync(join(directory, "000001-step.out"), join(directory, "artifacts", "again.out"));
    // A large tree elsewhere, linked from inside: it must not count.
    const elsewhere = temporaryDirectory();
    writeFileSync(join(elsewhere, "huge.bin"), Buffer.alloc(5 * MB, 3));
    symlinkSync(elsewhere, join(directory, "artifacts", "elsewhere"));
    symlinkSync(join(elsewhere, "huge.bin"), join(directory, "huge.bin"));

    const usage = await diskUsage(directory);
    expect(usage.problems).toEqual([]);
    expect(usage.bytes).toBeGreaterThanOrEqual(3 * MB);
    expect(usage.bytes).toBeLessThan(3 * MB + 100_000);
    expect((await diskUsage(join(directory, "huge.bin"))).bytes).toBe(
      lstatSync(join(directory, "huge.bin")).blocks * 512,
    );
  });

  it("is 0 for a path that does not exist", async () => {
    expect(await diskUsage(join(temporaryDirectory(), "gone"))).toEqual({ bytes: 0, problems: [] });
  });
});
