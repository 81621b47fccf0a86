// The items of a foreach step, when it becomes ready: those written in the workflow, or the
// lines of its item file read now (a step before it may have just written it).
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { resolve } from "node:path";
import {
  FOREACH_FILE_MAX_BYTES,
  FOREACH_MAX_ITEMS,
  type ForeachSpec,
  interpolate,
  parseForeachFile,
} from "@runyard/schema";

/** Why a foreach step's items could not be had: the step fails with this as its reason. */
export class LoopItemsError extends Error {}

function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "it is a directory";
  return (error as Error).message;
}

/** Reads at most `limit` + 1 bytes of a regular file (a FIFO or device is refused, not read). */
function readBounded(path: string, limit: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new LoopItemsError("not a regular file");
    const buffer = Buffer.alloc(Math.min(stats.size, limit) + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length === buffer.length) break;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** An item goes into an environment variable, which cannot hold a NUL byte. */
function withoutNul(items: string[], where: string): string[] {
  const index = items.findIndex((item) => item.includes("\0"));
  if (index !== -1) {
    throw new LoopItemsError(
      `item ${index + 1} of its ${where} holds a NUL byte, which no environment variable can carry`,
    );
  }
  return items;
}

/**
 * The items of a loop; an item file is found with `values` (the params, RUNYARD_RUN_DIR) in
 * place of its `${NAME}`s, relative to the step's cwd.
 */
export function loopItems(spec: ForeachSpec, values: Readonly<Record<string, string>>): string[] {
  if (spec.kind === "items") return withoutNul(spec.items, "foreach");
  const where = `foreach file ${spec.written}`;
  const path = resolve(spec.cwd, interpolate(spec.written, values));
  let bytes: Buffer;
  try {
    bytes = readBounded(path, FOREACH_FILE_MAX_BYTES);
  } catch (error) {
    throw new LoopItemsError(`cannot read its ${where} (${path}): ${describeError(error)}`);
  }
  if (bytes.length > FOREACH_FILE_MAX_BYTES) {
    throw new LoopItemsError(
      `its ${where} is over ${FOREACH_FILE_MAX_BYTES / 1024 / 1024} MiB: one item per line, at most ${FOREACH_MAX_ITEMS.toLocaleString("en-US")} items`,
    );
  }
  const items = parseForeachFile(bytes.toString("utf8"));
  if (items.length > FOREACH_MAX_ITEMS) {
    throw new LoopItemsError(
      `its ${where} has ${items.length.toLocaleString("en-US")} items: at most ${FOREACH_MAX_ITEMS.toLocaleString("en-US")} are allowed in one loop`,
    );
  }
  return withoutNul(items, where);
}
