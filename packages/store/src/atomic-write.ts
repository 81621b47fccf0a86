// Atomic replace: readers see the old file or the new one, never a torn one. The temp file
// lives in the same directory (rename is atomic only within a file system) and is 0600 from
// the moment it exists.
import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { FILE_MODE } from "@runyard/schema";
import { fsyncDirectory } from "./directories.js";

export interface AtomicWriteOptions {
  /**
   * fsync the file before the rename and the directory after it (default true), so the new
   * content survives a machine crash. The heartbeat turns it off: it is rewritten every 10 s
   * and only matters while the machine is up.
   */
  fsync?: boolean;
}

export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const fsync = options.fsync ?? true;
  const directory = dirname(path);
  const temporary = join(
    directory,
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`,
  );
  const handle = await open(temporary, "wx", FILE_MODE);
  try {
    await handle.chmod(FILE_MODE);
    await handle.writeFile(data);
    if (fsync) await handle.datasync();
    await handle.close();
    await rename(temporary, path);
  } catch (error) {
    // The temp file is ours and never visible under the real name: removing it loses nothing.
    // The original error is the one worth reporting, so cleanup failures are not.
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
  if (fsync) await fsyncDirectory(directory);
}

/** Writes `value` as pretty JSON (2 spaces, trailing newline), atomically. */
export async function writeJsonAtomic(
  path: string,
  value: unknown,
  options: AtomicWriteOptions = {},
): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, options);
}
