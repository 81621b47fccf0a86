// Why a step could not start, in the words its step-end carries: "too many open files
// (EMFILE)" rather than Node's "spawn bash EMFILE" or a path the user did not ask about. A
// resource the executor ran out of (descriptors, processes, memory) fails that step, not the
// run: the user reads the reason in `show`, lowers --max-parallel or raises `ulimit -n`.
import { findSystemError } from "@runyard/store";

/** A spawn's codes that are about the program, not the machine: they name it. */
const ABOUT_THE_PROGRAM: ReadonlySet<string> = new Set(["ENOENT", "EACCES", "ENOTDIR"]);

/** `reason (CODE)` for a system error (`bash: reason (CODE)` when bash cannot be run). */
export function describeStartFailure(error: unknown): string {
  const facts = findSystemError(error);
  if (facts === undefined) return error instanceof Error ? error.message : String(error);
  const aboutTheProgram =
    facts.syscall?.startsWith("spawn") === true && ABOUT_THE_PROGRAM.has(facts.code);
  const subject = aboutTheProgram && facts.path !== undefined ? `${facts.path}: ` : "";
  return `${subject}${facts.reason} (${facts.code})`;
}
