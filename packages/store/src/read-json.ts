// Reads one JSON file of a run directory and validates it; every failure names the file and,
// for a mismatch, each field and what was expected.
import { readFile } from "node:fs/promises";
import { ValidationError, type ValidationProblem } from "@runyard/schema";
import { describeSystemError, RunFileError } from "./errors.js";

/** A validator in the shape of @runyard/schema's `check` bound to one schema. */
export type Validate<T> = (
  input: unknown,
) => { ok: true; value: T } | { ok: false; problems: ValidationProblem[] };

export type JsonReadResult<T> =
  | { ok: true; value: T }
  | { ok: false; missing: boolean; error: RunFileError | ValidationError };

export async function readJsonFile<T>(
  path: string,
  validate: Validate<T>,
): Promise<JsonReadResult<T>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    return {
      ok: false,
      missing,
      error: new RunFileError(path, missing ? "missing" : describeSystemError(error), {
        cause: error,
        code: missing ? "E_RUN_FILE_MISSING" : "E_RUN_FILE",
      }),
    };
  }
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
