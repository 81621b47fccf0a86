import { readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { temporaryDirectory, withUmask } from "../test/helpers.js";
import { CaptureWriter } from "./capture-writer.js";

describe("CaptureWriter", () => {
  it("creates both captures 0600 at open and appends chunks as they come", async () => {
    const directory = temporaryDirectory();
    const capture = await withUmask(0o000, async () => CaptureWriter.open(directory, 7, "build"));
    expect(capture.outName).toBe("000007-build.out");
    expect(capture.errName).toBe("000007-build.err");
    expect(statSync(capture.outPath).mode & 0o777).toBe(0o600);
    expect(statSync(capture.errPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(capture.errPath, "utf8")).toBe("");

    expect(capture.write("stdout", Buffer.from("hello "))).toBe(0);
    // Visible in the file before the step ends.
    expect(readFileSync(capture.outPath, "utf8")).toBe("hello ");
    expect(capture.write("stdout", Buffer.from("world\n"))).toBe(6);
    expect(capture.write("stderr", Buffer.from("oops\n"))).toBe(0);
    expect(capture.size("stdout")).toBe(12);
    capture.close();
    expect(readFileSync(capture.outPath, "utf8")).toBe("hello world\n");
    expect(readFileSync(capture.errPath, "utf8")).toBe("oops\n");
    expect(() => capture.write("stdout", Buffer.from("late"))).toThrow(/after close/);
  });

  it("never overwrites an existing capture", () => {
    const directory = temporaryDirectory();
    CaptureWriter.open(directory, 1, "a").close();
    expect(() => CaptureWriter.open(directory, 1, "a")).toThrow(/EEXIST/);
  });
});
