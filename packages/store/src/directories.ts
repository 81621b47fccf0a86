// Directory helpers that hold the contract's permissions whatever the umask: every directory
// Runyard creates for itself is chmod'ed to 0700 explicitly, because mkdir's mode is filtered
// by the umask. Directories above the runs root are not Runyard's: they get the usual mode.
import { chmod, mkdir, open, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { DIRECTORY_MODE } from "@runyard/schema";

/**
 * `mkdir -p path` for a directory Runyard owns (the runs root): `path` itself, if this call
 * creates it, is 0700. Ancestors it has to create get the default mode (0777 less the umask),
 * as with `mkdir -p`: `--runs-dir /shared/grp/new/runs` must not close `/shared/grp/new` to the
 * group. A `path` that already exists keeps its mode: it may be a location shared on purpose.
 */
export async function ensureDirectory(path: string): Promise<void> {
  const target = resolve(path);
  await mkdir(dirname(target), { recursive: true });
  try {
    await createDirectory(target);
  } catch (error) {
    // Already there (or made meanwhile by another executor): fine if it is a directory.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    if (!(await stat(target)).isDirectory()) {
      throw Object.assign(
        new Error(`ENOTDIR: it exists and is not a directory, mkdir '${target}'`),
        {
          code: "ENOTDIR",
          cause: error,
        },
      );
    }
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
