import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/helpers.js";
import { listCaptures } from "./list-captures.js";

function runWithCaptures(): string {
  const directory = temporaryDirectory();
  const files: Record<string, string> = {
    "000002-test.err": "boom\n",
    "000002-test.out": "",
    "000001-build.err": "",
    "000001-build.out": "built\n",
    "000010-build.out": "again\n",
    "000010-build.err": "",
    "meta.json": "{}",
    "000003-notes.txt": "",
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(directory, name), text);
  mkdirSync(join(directory, "000004-dir.out"));
  symlinkSync("/etc/passwd", join(directory, "000005-link.out"));
  return directory;
}

describe("listCaptures", () => {
  it("lists every attempt's captures by seq, stdout before stderr, with sizes", async () => {
    const directory = runWithCaptures();
    const captures = await listCaptures(directory);
    expect(captures.map((capture) => capture.name)).toEqual([
      "000001-build.out",
      "000001-build.err",
      "000002-test.out",
      "000002-test.err",
      "000010-build.out",
      "000010-build.err",
    ]);
    expect(captures[0]).toEqual({
      seq: 1,
      stepId: "build",
      stream: "out",
      name: "000001-build.out",
      path: join(directory, "000001-build.out"),
      size: 6,
    });
  });

  it("filters by step and stream", async () => {
    const directory = runWithCaptures();
    const names = async (options: Parameters<typeof listCaptures>[1]) =>
      (await listCaptures(directory, options)).map((capture) => capture.name);
    expect(await names({ stepId: "build", streams: ["out"] })).toEqual([
      "000001-build.out",
      "000010-build.out",
    ]);
    expect(await names({ streams: ["err"] })).toEqual([
      "000001-build.err",
      "000002-test.err",
      "000010-build.err",
    ]);
    expect(await names({ stepId: "nosuch" })).toEqual([]);
  });

  it("names the directory when it cannot be listed", async () => {
    const missing = join(temporaryDirectory(), "gone");
    await expect(listCaptures(missing)).rejects.toThrow(
      `${missing}: cannot list captures: no such file or directory`,
    );
  });
});
