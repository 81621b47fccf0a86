// An error as it crosses a process boundary: what the executor tells a front end about why it
// could not start a run (the start report) or could not keep its record (`bye`), with what the
// front end needs to report it as if it had happened there — RunyardError's code, message and
// hint, and the system error behind it (errno, path, syscall), so "no space left on device"
// reaches the user as such, with the exit status it deserves.
import { RunyardError } from "@runyard/schema";
import { z } from "zod";

export const RunErrorSchema = z.object({
  code: z
    .string()
    .optional()
    .describe("The error's stable code (e.g. E_WORKFLOW_INVALID); absent for a bug"),
  message: z.string(),
  hint: z.string().optional(),
  system: z
    .object({
      code: z.string().describe("errno name, e.g. ENOSPC"),
      path: z.string().optional(),
      syscall: z.string().optional(),
    })
    .optional()
    .describe("The system error behind it, if any"),
});
export type RunError = z.infer<typeof RunErrorSchema>;

function systemFacts(error: unknown): RunError["system"] {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth += 1) {
    const { code, path, syscall } = current as NodeJS.ErrnoException;
    if (
      typeof code === "string" &&
      /^E[A-Z0-9]+$/.test(code) &&
      !(current instanceof RunyardError)
    ) {
      return {
        code,
        ...(typeof path === "string" ? { path } : {}),
        ...(typeof syscall === "string" ? { syscall } : {}),
      };
    }
    current = current.cause;
  }
  return undefined;
}

/** `error` as a RunError, for a line. */
export function toRunError(error: unknown): RunError {
  const system = systemFacts(error);
  return {
    message: error instanceof Error ? error.message : String(error),
    ...(error instanceof RunyardError ? { code: error.code } : {}),
    ...(error instanceof RunyardError && error.hint !== undefined ? { hint: error.hint } : {}),
    ...(system === undefined ? {} : { system }),
  };
}

/** The error a RunError stands for, as close to the original as a line can carry. */
export function fromRunError(report: RunError, what = "the executor failed"): Error {
  let cause: Error | undefined;
  if (report.system) {
    cause = Object.assign(new Error(`${report.system.code}: ${report.message}`), report.system);
  }
  if (report.code === undefined) {
    return new Error(`${what}: ${report.message}`, cause === undefined ? undefined : { cause });
  }
  return new RunyardError(report.code, report.message, {
    ...(cause === undefined ? {} : { cause }),
    ...(report.hint === undefined ? {} : { hint: report.hint }),
  });
}
