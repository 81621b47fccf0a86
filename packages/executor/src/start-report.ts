// The one line an executor started by launchRun writes on its ready pipe: that the run has
// started (committed, run-start in its timeline, ipc.sock listening), or the error that stopped
// it before that, with what the front end needs to report it as if it had happened there: the
// RunyardError code, message and hint, and the system error behind it (errno, path, syscall).
import { RunyardError } from "@runyard/schema";

export type StartReport =
  | { ok: true; runId: string; directory: string; pid: number }
  | {
      ok: false;
      error: {
        /** RunyardError's code; absent for an error that is not one (a bug). */
        code?: string;
        message: string;
        hint?: string;
        /** The system error in its cause chain, if any. */
        system?: { code: string; path?: string; syscall?: string };
      };
    };

function systemFacts(
  error: unknown,
): { code: string; path?: string; syscall?: string } | undefined {
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

export function errorReport(error: unknown): StartReport {
  const system = systemFacts(error);
  const base = { message: error instanceof Error ? error.message : String(error) };
  if (error instanceof RunyardError) {
    return {
      ok: false,
      error: {
        ...base,
        code: error.code,
        ...(error.hint === undefined ? {} : { hint: error.hint }),
        ...(system === undefined ? {} : { system }),
      },
    };
  }
  return { ok: false, error: { ...base, ...(system === undefined ? {} : { system }) } };
}

/** The error a failed report stands for, as close to the original as a line can carry. */
export function errorFromReport(report: Extract<StartReport, { ok: false }>["error"]): Error {
  let cause: Error | undefined;
  if (report.system) {
    cause = Object.assign(new Error(`${report.system.code}: ${report.message}`), report.system);
  }
  if (report.code === undefined) {
    return new Error(`the executor failed to start: ${report.message}`, { cause });
  }
  return new RunyardError(report.code, report.message, {
    ...(cause === undefined ? {} : { cause }),
    ...(report.hint === undefined ? {} : { hint: report.hint }),
  });
}
