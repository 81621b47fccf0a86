// Reads one JSON file of a run directory and validates it; every failure names the file and,
// for a mismatch, each field and what was expected.
import { setImmediate as nextTurn } from "node:timers/promises";
import { ValidationError, type ValidationProblem } from "@runyard/schema";
import { RunFileError } from "./errors.js";
import { MAX_STATUS_BYTES, readRunFileSync } from "./run-file.js";

/** A validator in the shape of @runyard/schema's `check` bound to one schema. */
export type Validate<T> = (
  input: unknown,
) => { ok: true; value: T } | { ok: false; problems: ValidationProblem[] };

/**
 * Largest JSON file of a run directory read by default: status.json's cap, the largest of
 * them (meta.json is read with MAX_META_BYTES).
 */
export const MAX_RUN_JSON_BYTES = MAX_STATUS_BYTES;

export type JsonReadResult<T> =
  | { ok: true; value: T }
  | { ok: false; missing: boolean; error: RunFileError | ValidationError };

/** One decoder for every read (decode() without `stream` keeps no state); it drops a BOM. */
const UTF8 = new TextDecoder();

/**
 * JSON.parse's complaint without the text it quotes: the file may be anything (junk, a
 * binary, terminal escapes), and none of it is shown.
 */
function describeJsonError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message
    .replace(/, ".*is not valid JSON$/s, "")
    .replace(/^Unexpected token .*$/s, "unexpected character")
    .replace(/[^\x20-\x7e]/g, "?")
    .slice(0, 200);
}

/**
 * Reads a JSON file of a run directory and validates it: only a regular file with one name,
 * reached by no link, of at most `maxBytes` (see openRunFile). Synchronous, as readRunFile is.
 */
export function readJsonFileSync<T>(
  path: string,
  validate: Validate<T>,
  maxBytes: number = MAX_RUN_JSON_BYTES,
): JsonReadResult<T> {
  let bytes: Uint8Array;
  try {
    bytes = readRunFileSync(path, maxBytes);
  } catch (error) {
    const wrapped =
      error instanceof RunFileError
        ? error
        : new RunFileError(path, String(error), { cause: error });
    return { ok: false, missing: wrapped.code === "E_RUN_FILE_MISSING", error: wrapped };
  }
  const text = UTF8.decode(bytes);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const torn = text.trim() === "" ? "empty file" : `invalid JSON: ${describeJsonError(error)}`;
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

/** readJsonFileSync after a turn of the event loop: a loop of reads lets I/O and timers in. */
export async function readJsonFile<T>(
  path: string,
  validate: Validate<T>,
  maxBytes: number = MAX_RUN_JSON_BYTES,
): Promise<JsonReadResult<T>> {
  await nextTurn();
  return readJsonFileSync(path, validate, maxBytes);
}
