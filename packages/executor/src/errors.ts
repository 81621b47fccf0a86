// Errors runWorkflow throws before a run exists (so the CLI can tell "nothing ran").
import { RunyardError } from "@runyard/schema";

/** The abort signal had fired before the run started; nothing was created. */
export class RunAbortedError extends RunyardError {
  constructor(reason: string) {
    super("E_ABORTED", `not started: ${reason}`);
  }
}

/** A step asks for a backend this executor does not have (yet). */
export class BackendUnavailableError extends RunyardError {
  constructor(stepId: string, backend: string, available: readonly string[]) {
    super(
      "E_BACKEND_UNAVAILABLE",
      `step "${stepId}" runs on backend "${backend}", which this executor does not provide (available: ${available.join(", ")})`,
      { hint: `remove "backend: ${backend}" or run it where that backend is available` },
    );
  }
}

/** A step runs on Slurm, and this host has no Slurm to submit it to. */
export class SlurmUnavailableError extends RunyardError {
  constructor(stepId: string, command: string) {
    super(
      "E_SLURM_UNAVAILABLE",
      `step "${stepId}" runs on Slurm (backend: slurm), but ${command} is not on PATH here`,
      {
        hint: "run from a login node of a Slurm cluster, load its module (module load slurm) or set RUNYARD_SLURM_BIN to the directory of its commands; remove backend: slurm to run the step here",
      },
    );
  }
}

/**
 * The params given do not fit the workflow's: unknown names, required ones missing, values
 * not of their param's type or not among its choices. One problem on the line of the file,
 * several each on a line of its own.
 */
export class ParamsError extends RunyardError {
  constructor(file: string, problems: readonly string[]) {
    const message =
      problems.length === 1
        ? `${file}: ${problems[0]}`
        : `${file}: ${problems.length} problems with the params\n${problems.join("\n")}`;
    super("E_PARAMS", message, {
      hint: "give values with --param NAME=VALUE or --params-file FILE; the workflow's params block lists them",
    });
  }
}

/** An option of runWorkflow is out of range. */
export class RunOptionsError extends RunyardError {
  constructor(message: string) {
    super("E_RUN_OPTIONS", message);
  }
}

/**
 * A run cannot be resumed: it is running, it succeeded, it runs on another host, or its
 * record cannot be taken over (a damaged timeline, no workflow copy). Nothing was changed.
 */
export class ResumeError extends RunyardError {
  constructor(message: string, options?: { hint?: string; code?: string }) {
    super(options?.code ?? "E_RESUME", message, options);
  }
}
