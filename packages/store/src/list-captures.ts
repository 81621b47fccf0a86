// The capture files of a run directory (NNNNNN-<step>.out / .err), parsed from their names
// with the contract's parser, in the order the attempts started: what `runyard logs` prints
// and what an integrator needs to show a step's output. Only regular files with one name count:
// an entry named like a capture that is a link, a named pipe or a device, or a file with a hard
// link elsewhere, is not the executor's and is refused with the reason (scanCaptures), never
// read.
import type { Dirent } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseCaptureFileName } from "@runyard/schema";
import { RunFileError } from "./errors.js";
import { refusalOf, refusedFile } from "./run-file.js";
import { explainSystemError } from "./system-errors.js";

/** `out` for a step's stdout capture, `err` for its stderr capture (the file's extension). */
export type CaptureFileStream = "out" | "err";

export interface CaptureFile {
  /** The attempt's capture seq (NNNNNN): attempts of a run in the order they started. */
  seq: number;
  stepId: string;
  stream: CaptureFileStream;
  /** The file's name inside the run directory, e.g. `000003-build.err`. */
  name: string;
  /** Absolute path. */
  path: string;
  /** Size in bytes when listed; a running step's capture grows. */
  size: number;
}

export interface ListCapturesOptions {
  /** Only this step's captures (a foreach step's: those of its instances). */
  stepId?: string;
  /** Only these streams (default both). */
  streams?: readonly CaptureFileStream[];
}

/** An entry named like a capture that is not read: a RunFileError (E_RUN_FILE_REFUSED) says why. */
export interface RefusedCapture {
  name: string;
  path: string;
  error: RunFileError;
}

export interface CaptureScan {
  /** Sorted by seq, then stdout before stderr. */
  captures: CaptureFile[];
  /** In name order. */
  refused: RefusedCapture[];
}

/** Sorted by seq, then stdout before stderr. A run directory without captures gives []. */
export async function listCaptures(
  runDirectory: string,
  options: ListCapturesOptions = {},
): Promise<CaptureFile[]> {
  return (await scanCaptures(runDirectory, options)).captures;
}

/** The captures of a run directory, and the entries named like one that are refused. */
export async function scanCaptures(
  runDirectory: string,
  options: ListCapturesOptions = {},
): Promise<CaptureScan> {
  const directory = resolve(runDirectory);
  const streams = new Set<CaptureFileStream>(options.streams ?? ["out", "err"]);
  let entries: Dirent[];
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    const reason = explainSystemError(error)?.reason ?? String(error);
    throw new RunFileError(directory, `cannot list captures: ${reason}`, { cause: error });
  }
  const wanted = entries.flatMap((entry) => {
    const parsed = parseCaptureFileName(entry.name);
    if (!parsed || !streams.has(parsed.stream)) return [];
    // A foreach step's own captures are its instances': `mesh` takes in `mesh[coarse]`.
    if (
      options.stepId !== undefined &&
      parsed.stepId !== options.stepId &&
      !parsed.stepId.startsWith(`${options.stepId}[`)
    )
      return [];
    return [{ ...parsed, name: entry.name, path: join(directory, entry.name) }];
  });
  const refused: RefusedCapture[] = [];
  const captures = await Promise.all(
    wanted.map(async (capture): Promise<CaptureFile | undefined> => {
      try {
        const stats = await lstat(capture.path);
        // What its reader (openRunFile) would refuse is not listed as a capture.
        const reason = refusalOf(stats, Number.POSITIVE_INFINITY);
        if (reason !== undefined) {
          refused.push({
            name: capture.name,
            path: capture.path,
            error: refusedFile(capture.path, reason),
          });
          return undefined;
        }
        return { ...capture, size: stats.size };
      } catch (error) {
        // Removed between the listing and now (a clean-up): it is no longer a capture.
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new RunFileError(capture.path, explainSystemError(error)?.reason ?? String(error), {
          cause: error,
        });
      }
    }),
  );
  return {
    captures: captures
      .filter((capture): capture is CaptureFile => capture !== undefined)
      .sort(
        (a, b) =>
          a.seq - b.seq ||
          (a.stream === b.stream ? 0 : a.stream === "out" ? -1 : 1) ||
          a.name.localeCompare(b.name),
      ),
    refused: refused.sort((a, b) => a.name.localeCompare(b.name)),
  };
}
