// Directory helpers that hold the contract's permissions whatever the umask: every directory
// Runyard creates is chmod'ed to 0700 explicitly, because mkdir's mode is filtered by the umask.
import { chmod, mkdir, open } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { DIRECTORY_MODE } from "@runyard/schema";

/**
 * `mkdir -p` that leaves every directory it creates at 0700. Directories that already exist
 * keep their mode: the runs root may be a shared location the user chose.
 */
export async function ensureDirectory(path: string): Promise<void> {
  const first = await mkdir(path, { recursive: true, mode: DIRECTORY_MODE });
  if (first === undefined) return;
  let current = first;
  await chmod(current, DIRECTORY_MODE);
  for (const part of relative(first, path).split(sep).filter(Boolean)) {
    current = join(current, part);
    await chmod(current, DIRECTORY_MODE);
  }
}

/** Creates one directory (not its parents) at 0700; fails if it exists. */
export async function createDirectory(path: string): Promise<void> {
  await mkdir(path, { mode: DIRECTORY_MODE });
  await chmod(path, DIRECTORY_MODE);
}

/** Makes a rename or a file creation in `path` durable. */
export async function fsyncDirectory(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
