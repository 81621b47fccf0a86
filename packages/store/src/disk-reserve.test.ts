import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/helpers.js";
import {
  createDiskReserve,
  diskReserveBytes,
  releaseDiskReserve,
  storageFailure,
} from "./disk-reserve.js";

const systemError = (code: string) =>
  Object.assign(new Error(`${code}: something, write`), { code, syscall: "write" });

describe("the disk reserve", () => {
  it("is 64 KiB and 1 KiB a step, at most 8 MiB", () => {
    expect(diskReserveBytes(0)).toBe(64 * 1024);
    expect(diskReserveBytes(40)).toBe(104 * 1024);
    expect(diskReserveBytes(1_000_000)).toBe(8 * 1024 * 1024);
  });

  it("takes its space on disk at once (0600), and is freed once", async () => {
    const path = join(temporaryDirectory(), ".disk-reserve");
    const previous = process.umask(0);
    try {
      await createDiskReserve(path, 65_536);
    } finally {
      process.umask(previous);
    }
    const stats = statSync(path);
    expect(stats.mode & 0o777).toBe(0o600);
    expect(stats.size).toBe(65_536);
    // Allocated, not a hole: 512-byte blocks.
    expect(stats.blocks * 512).toBeGreaterThanOrEqual(65_536);
    expect(releaseDiskReserve(path)).toBe(true);
    expect(releaseDiskReserve(path)).toBe(false);
  });
});

describe("storageFailure", () => {
  it("tells a full disk, a full quota and a failing disk from other errors, through causes", () => {
    expect(storageFailure(systemError("ENOSPC"))).toMatchObject({
      code: "E_DISK_FULL",
      reason: "disk full",
      system: { code: "ENOSPC", syscall: "write" },
    });
    expect(storageFailure(new Error("wrapped", { cause: systemError("EDQUOT") }))).toMatchObject({
      code: "E_DISK_FULL",
      reason: "disk quota exceeded",
    });
    expect(storageFailure(systemError("EIO"))).toMatchObject({ code: "E_DISK_IO" });
    expect(storageFailure(systemError("EMFILE"))).toBeUndefined();
    expect(storageFailure(new Error("no code"))).toBeUndefined();
  });
});
