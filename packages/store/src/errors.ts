// Errors the store throws. Each has a stable code the CLI maps to an exit status.
import { RunyardError } from "@runyard/schema";

/** A run directory could not be created; nothing of it is left behind. */
export class RunDirectoryError extends RunyardError {
  readonly directory: string;

  constructor(directory: string, message: string, options?: { cause?: unknown; hint?: string }) {
    super("E_RUN_DIRECTORY", `${directory}: ${message}`, options);
    this.directory = directory;
  }
}

/**
 * A file of a run directory is missing, unreadable, refused (E_RUN_FILE_REFUSED: see
 * openRunFile) or not valid JSON.
 */
export class RunFileError extends RunyardError {
  readonly file: string;

  /** `standalone`: the message names the file itself and is not prefixed with it. */
  constructor(
    file: string,
    message: string,
    options?: { cause?: unknown; code?: string; standalone?: boolean },
  ) {
    super(
      options?.code ?? "E_RUN_FILE",
      options?.standalone === true ? message : `${file}: ${message}`,
      options,
    );
    this.file = file;
  }
}

/** An append to run_summary.jsonl would break the contract (line n has seq n). */
export class SummaryOrderError extends RunyardError {
  constructor(message: string) {
    super("E_SUMMARY_ORDER", message);
  }
}

/** Describes a Node error briefly: `ENOENT: no such file or directory` without the path noise. */
export function describeSystemError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = error.message.replace(/^[A-Z]+: /, "").replace(/, \w+ '.*'$/, "");
    return code ? `${code}: ${message}` : error.message;
  }
  return String(error);
}
