// Reads one JSON file of a run directory and validates it; every failure names the file and,
// for a mismatch, each field and what was expected.
import { readInputFile, ValidationError, type ValidationProblem } from "@runyard/schema";
import { describeSystemError, RunFileError } from "./errors.js";

/** A validator in the shape of @runyard/schema's `check` bound to one schema. */
export type Validate<T> = (
  input: unknown,
) => { ok: true; value: T } | { ok: false; problems: ValidationProblem[] };

/**
 * Largest JSON file of a run directory read: far past any real one (a status.json of 100 000
 * steps is some 20 MB); a bound all the same, as these files are read by every `runyard ps`.
 */
export const MAX_RUN_JSON_BYTES = 256 * 1024 * 1024;

export type JsonReadResult<T> =
  | { ok: true; value: T }
  | { ok: false; missing: boolean; error: RunFileError | ValidationError };

export async function readJsonFile<T>(
  path: string,
  validate: Validate<T>,
): Promise<JsonReadResult<T>> {
  // Only a regular file, opened without blocking and never through a link: a named pipe in a
  // run directory (a step can make one there) would otherwise hang every reader for good, past
  // Ctrl-C, and a link to /dev/zero would read until memory runs out.
  const read = await readInputFile(path, MAX_RUN_JSON_BYTES, { followSymlinks: false });
  if (!read.ok) {
    const missing = read.code === "ENOENT";
    const reason = read.cause === undefined ? read.reason : describeSystemError(read.cause);
    return {
      ok: false,
      missing,
      error: new RunFileError(path, missing ? "missing" : reason, {
        cause: read.cause,
        code: missing ? "E_RUN_FILE_MISSING" : "E_RUN_FILE",
      }),
    };
  }
  const text = new TextDecoder().decode(read.bytes);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const torn = text.trim() === "" ? "empty file" : `invalid JSON: ${(error as Error).message}`;
    return {
      ok: false,
      missing: false,
      error: new ValidationError(path, [{ path: "", message: torn }]),
    };
  }
  const result = validate(document);
  if (!result.ok)
    return { ok: false, missing: false, error: new ValidationError(path, result.problems) };
  return { ok: true, value: result.value };
}
