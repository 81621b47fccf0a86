// return_value.txt: the run's return value (the workflow's `return`), written by the executor
// before run-end when the run succeeded. Read as the rest of the run directory is: not through
// a link, not a FIFO, bounded.
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { RUN_FILES } from "@runyard/schema";

/** The most of return_value.txt a reader takes (an output is at most 1 MiB). */
const RETURN_VALUE_MAX_BYTES = 1024 * 1024;

/** The run's return value, or null when it has none (no file, or not a regular file). */
export async function readReturnValue(directory: string): Promise<string | null> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(
      `${directory}/${RUN_FILES.returnValue}`,
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    );
  } catch {
    return null;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return null;
    const buffer = Buffer.alloc(Math.min(stats.size, RETURN_VALUE_MAX_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}
