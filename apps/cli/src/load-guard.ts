// Loading runyard's code under a low limit of open files. Node's module loader opens many files
// at once; under a low limit that fails (EMFILE, or a module "not found" when the failed open
// was a package.json) before any of runyard runs, which Node reports as a stack trace of its
// own internals. Said here in words, with what to do: by bin.ts for the command table, by
// main.ts for a command's code, which is loaded only when that command runs.

import { readFileSync } from "node:fs";
import { RunyardError } from "@runyard/schema/errors";

/** Fewer open files than this and the commands cannot even be loaded. */
export const FILES_NEEDED = 128;

/**
 * The soft limit of open files (`ulimit -n`), from /proc; undefined where there is none. Read
 * it before loading: once the files have run out, /proc cannot be opened either.
 */
export function openFilesLimit(): number | undefined {
  try {
    const limit = /^Max open files\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"))?.[1];
    return limit === undefined ? undefined : Number(limit);
  } catch {
    return undefined;
  }
}

/**
 * What to say when loading failed for want of open files (`limit` read before), or undefined
 * when `error` is something else.
 */
export function outOfFilesMessage(error: unknown, limit: number | undefined): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const outOfFiles =
    code === "EMFILE" ||
    code === "ENFILE" ||
    (code === "ERR_MODULE_NOT_FOUND" && limit !== undefined && limit < FILES_NEEDED);
  if (!outOfFiles) return undefined;
  return (
    `runyard: cannot start: too many open files while loading${limitText(limit)}\n` +
    `  hint: ${OUT_OF_FILES_HINT}\n`
  );
}

const OUT_OF_FILES_HINT = `runyard needs at least ${FILES_NEEDED} open files, and each running step a few more; raise the limit (ulimit -n 1024) and try again`;

function limitText(limit: number | undefined): string {
  return limit === undefined ? "" : ` (ulimit -n is ${limit})`;
}

/**
 * The error to report when the executor could not even be started for want of open files
 * (loading went through, the spawn did not), or undefined for any other error.
 */
export function outOfFilesError(
  error: unknown,
  code: string | undefined,
): RunyardError | undefined {
  if (code !== "EMFILE" && code !== "ENFILE") return undefined;
  return new RunyardError(
    "E_TOO_MANY_FILES",
    `cannot start the run: too many open files${limitText(openFilesLimit())}`,
    { cause: error, hint: OUT_OF_FILES_HINT },
  );
}
