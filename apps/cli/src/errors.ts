// Maps errors to exit status and a one-line message plus a hint; stacks only with --debug.
import { RunyardError } from "@runyard/schema";
import { type Output, paint } from "./output.js";

/** Exit statuses, in the manner of git and gh: 1 a run failed, 2 usage, 3 bad input, 4 not found. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  invalid: 3,
  notFound: 4,
  cancelled: 130,
  internal: 70,
} as const;

export class UsageError extends RunyardError {
  constructor(message: string, hint?: string) {
    super("E_USAGE", message, hint === undefined ? undefined : { hint });
  }
}

/** Refuses arguments past those a command takes, naming the first one and the usage. */
export function refuseExtraArguments(extra: readonly string[], usage: string): void {
  if (extra.length > 0) {
    throw new UsageError(`unexpected argument "${extra[0]}"`, `usage: ${usage}`);
  }
}

const EXIT_BY_CODE: Record<string, number> = {
  E_USAGE: EXIT.usage,
  E_PARAMS: EXIT.usage,
  E_WORKFLOW_READ: EXIT.notFound,
  E_WORKFLOW_INVALID: EXIT.invalid,
  E_INVALID_FILE: EXIT.invalid,
  E_CONFIG_INVALID: EXIT.invalid,
  E_INVALID_RUN_ID: EXIT.usage,
  E_WORKFLOW_NOT_FOUND: EXIT.notFound,
  E_RUN_NOT_FOUND: EXIT.notFound,
};

export function reportError(error: unknown, output: Output, debug: boolean): number {
  if (error instanceof RunyardError) {
    output.err(`${paint(output, "red", "error:")} ${error.message}\n`);
    if (error.hint) output.err(`${paint(output, "dim", "hint:")} ${error.hint}\n`);
    if (debug && error.stack) output.err(`${error.stack}\n`);
    return EXIT_BY_CODE[error.code] ?? EXIT.failed;
  }
  const message = error instanceof Error ? error.message : String(error);
  output.err(`${paint(output, "red", "error:")} ${message}\n`);
  if (debug && error instanceof Error && error.stack) output.err(`${error.stack}\n`);
  else
    output.err(
      `${paint(output, "dim", "hint:")} this looks like a bug in runyard; rerun with --debug for the stack\n`,
    );
  return EXIT.internal;
}
