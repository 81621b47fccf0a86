import { appendFileSync, closeSync, readFileSync, readSync, statSync } from "node:fs";
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

  it("hands its descriptors over, readable when asked, and writes no more", async () => {
    const directory = temporaryDirectory();
    const capture = await withUmask(0o077, async () =>
      CaptureWriter.open(directory, 2, "b", { readable: true }),
    );
    expect(statSync(capture.outPath).mode & 0o777).toBe(0o600);
    const fds = capture.release();
    try {
      // What someone else (the step) appends by the path is read on the descriptor.
      appendFileSync(capture.outPath, "from the step\n");
      const buffer = Buffer.alloc(64);
      expect(buffer.toString("utf8", 0, readSync(fds.stdout, buffer, 0, 64, 0))).toBe(
        "from the step\n",
      );
      expect(() => capture.write("stdout", Buffer.from("late"))).toThrow(/after close/);
      expect(() => capture.release()).toThrow(/release after close/);
      capture.close(); // nothing left to close: the descriptors are the caller's
      expect(readSync(fds.stderr, buffer, 0, 64, 0)).toBe(0);
    } finally {
      closeSync(fds.stdout);
      closeSync(fds.stderr);
    }
    // Without `readable`, a descriptor does not read.
    const plain = CaptureWriter.open(directory, 3, "c");
    const writeOnly = plain.release();
    try {
      expect(() => readSync(writeOnly.stdout, Buffer.alloc(1), 0, 1, 0)).toThrow(/EBADF/);
    } finally {
      closeSync(writeOnly.stdout);
      closeSync(writeOnly.stderr);
    }
  });
});
