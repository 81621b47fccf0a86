import { execFileSync } from "node:child_process";
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/helpers.js";
import { listCaptures, scanCaptures } from "./list-captures.js";

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

  it("refuses what is named like a capture but is not the executor's, each with its reason", async () => {
    const directory = runWithCaptures();
    const outside = join(temporaryDirectory(), "secret.txt");
    writeFileSync(outside, "CANARY\n");
    linkSync(outside, join(directory, "000006-hard.out"));
    execFileSync("mkfifo", [join(directory, "000007-pipe.err")]);
    const { captures, refused } = await scanCaptures(directory);
    expect(captures.map((capture) => capture.name)).not.toContain("000006-hard.out");
    expect(refused.map((entry) => [entry.name, entry.error.code])).toEqual([
      ["000004-dir.out", "E_RUN_FILE_REFUSED"],
      ["000005-link.out", "E_RUN_FILE_REFUSED"],
      ["000006-hard.out", "E_RUN_FILE_REFUSED"],
      ["000007-pipe.err", "E_RUN_FILE_REFUSED"],
    ]);
    expect(refused.map((entry) => entry.error.message.slice(directory.length + 1))).toEqual([
      "000004-dir.out is a directory, not a regular file; a run directory holds only files the executor wrote",
      "000005-link.out is a symbolic link, which is not followed: a run directory holds only files the executor wrote, and a link may lead anywhere",
      "000006-hard.out is a file with 2 hard links: it has another name, maybe outside the runs root, so the executor did not make it; it is not read",
      "000007-pipe.err is a named pipe, not a regular file; a run directory holds only files the executor wrote",
    ]);
  });
});
