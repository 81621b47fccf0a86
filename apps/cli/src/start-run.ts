// Starting a run and watching it, for `runyard run` and `runyard rerun` alike: launch it (a
// detached executor, see launchRun), then watch it live over ipc.sock, or with --detach just
// print its id. Exit 0 on success, 1 when a step failed, 130 when cancelled. Closing the
// terminal ends only this view: the run goes on.
import { resolve } from "node:path";
import { launchRun } from "@runyard/executor";
import { fromRunError } from "@runyard/protocol";
import { RunyardError } from "@runyard/schema";
import { findSystemError, readReturnValue, readRun } from "@runyard/store";
import type { CommandContext, CommandValues } from "./command.js";
import { EXIT, UsageError } from "./errors.js";
import type { RunEndedJson, RunStartedJson } from "./json/run-command.js";
import { outOfFilesError } from "./load-guard.js";
import { paint, tildify } from "./output.js";
import { hooksForRun } from "./run-hooks.js";
import { runsRootFor } from "./runs-root.js";
import { stepBinDirectory } from "./step-bin.js";
import { abortSignalName, cancelRun } from "./stop-run.js";
import { VERSION } from "./version.js";
import { exitForOutcome, interruptReason, watchRun } from "./watch-run.js";

const NOT_WRITABLE = new Set(["EACCES", "EPERM", "EROFS"]);

function runsElsewhereHint(code: string): string {
  const elsewhere = "set RUNYARD_RUNS_DIR or pass --runs-dir";
  return NOT_WRITABLE.has(code)
    ? `${elsewhere} to use a directory you can write`
    : code === "ENOSPC" || code === "EDQUOT"
      ? `free some space there, or ${elsewhere} to put runs elsewhere`
      : `${elsewhere} to put runs elsewhere`;
}

/** The run directory error in a cause chain (the store's RunDirectoryError), if any. */
function runDirectoryFailure(error: unknown): { directory: string } | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current instanceof Error; depth += 1) {
    const { code, directory } = current as Error & { code?: unknown; directory?: unknown };
    if (code === "E_RUN_DIRECTORY" && typeof directory === "string") return { directory };
    current = current.cause;
  }
  return undefined;
}

/** The codes of an executor that stopped its run because a write failed (see run-end). */
const STORAGE_CODES: ReadonlySet<string> = new Set(["E_DISK_FULL", "E_DISK_IO"]);

/**
 * Says what a failed run could not do, in terms of the runs root and the run directory: a
 * system error from deep inside (a write to an open capture file names no path) becomes
 * "cannot write to the run directory <dir>: no space left on device".
 */
function explainRunFailure(error: unknown, runsRoot: string, runDirectory?: string): unknown {
  const facts = findSystemError(error);
  if (!facts) return error;
  const outOfFiles = outOfFilesError(error, facts.code);
  if (outOfFiles !== undefined) return outOfFiles;
  const failure = runDirectoryFailure(error);
  if (failure) {
    const what =
      failure.directory === runsRoot
        ? `cannot create the runs root ${runsRoot}`
        : `cannot create the run directory in ${runsRoot}`;
    return new RunyardError("E_RUN_DIRECTORY", `${what}: ${facts.reason}`, {
      cause: error,
      hint: runsElsewhereHint(facts.code),
    });
  }
  // The executor stopped the run on a full (or failing) disk: its words, and where.
  if (error instanceof RunyardError && STORAGE_CODES.has(error.code) && runDirectory) {
    return new RunyardError(error.code, `${error.message}, in the run directory ${runDirectory}`, {
      cause: error,
      hint: runsElsewhereHint(facts.code),
    });
  }
  if (error instanceof RunyardError || runDirectory === undefined) return error;
  const inside = facts.path === undefined || facts.path === runDirectory;
  // A file elsewhere is named by the general mapping, with what was done to it.
  if (!inside && !facts.path?.startsWith(`${runDirectory}/`)) return error;
  const where = inside ? `the run directory ${runDirectory}` : facts.path;
  return new RunyardError("E_RUN_WRITE", `cannot write to ${where}: ${facts.reason}`, {
    cause: error,
    hint: runsElsewhereHint(facts.code),
  });
}

/** --max-parallel's value, checked; undefined when not given. */
export function maxParallelOption(values: CommandValues): number | undefined {
  const given = values["max-parallel"];
  if (typeof given !== "string") return undefined;
  const maxParallel = Number(given);
  if (!Number.isInteger(maxParallel) || maxParallel < 1) {
    throw new UsageError(`--max-parallel expects a whole number of at least 1, got "${given}"`);
  }
  return maxParallel;
}

/** --max-slurm-jobs's value, checked; undefined when not given. */
export function maxSlurmJobsOption(values: CommandValues): number | undefined {
  const given = values["max-slurm-jobs"];
  if (typeof given !== "string") return undefined;
  const limit = Number(given);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError(`--max-slurm-jobs expects a whole number of at least 1, got "${given}"`);
  }
  return limit;
}

/** Whether --dry-run was asked for; refuses it with --detach. */
export function dryRunOption(values: CommandValues): boolean {
  if (values["dry-run"] !== true) return false;
  if (values.detach === true) {
    throw new UsageError("--dry-run starts nothing, so it cannot --detach", "leave one out");
  }
  return true;
}

/** What to start: the launchRun options a command decides; the rest come from its flags. */
export interface RunRequest {
  /** The workflow file, relative to the command's working directory. */
  workflowFile: string;
  /** Its bytes, when not to be read from the file (a rerun's copy). */
  workflowSource?: Uint8Array;
  /** The run a rerun repeats. */
  rerunOf?: string;
  /** Param values, unchecked: the executor checks them and fills in defaults. */
  params: Record<string, string>;
  maxParallel: number | undefined;
  maxSlurmJobs?: number | undefined;
}

/**
 * Starts the run `request` describes and, unless --detach, watches it to its end; resolves to
 * the command's exit status. The run's flags (--detach, --output, --events, --quiet, --json,
 * --runs-dir) are read from `values`.
 */
export async function startRun(
  values: CommandValues,
  context: CommandContext,
  request: RunRequest,
): Promise<number> {
  const runsRoot = await runsRootFor(values, context);
  const { output } = context;

  // Steps find this runyard first on their PATH, for `runyard log`, `send`, `artifact save`.
  const binDirectory = stepBinDirectory();
  // The user's hooks, and a trusted project's beside the workflow (run-hooks.ts).
  const hooks = await hooksForRun(
    resolve(context.cwd, request.workflowFile),
    context,
    values.quiet === true,
  );
  let launched: Awaited<ReturnType<typeof launchRun>>;
  try {
    launched = await launchRun({
      workflowFile: request.workflowFile,
      ...(request.workflowSource === undefined ? {} : { workflowSource: request.workflowSource }),
      ...(request.rerunOf === undefined ? {} : { rerunOf: request.rerunOf }),
      runsRoot,
      cwd: context.cwd,
      env: context.env,
      params: request.params,
      client: `runyard-cli/${VERSION}`,
      // Showing output: the first step waits (a few ms) for this view to subscribe, so that
      // it shows every step's output from the first byte. Events need no wait (the view
      // replays them from the first), so a view without output lets the steps start at once.
      ...(values.detach !== true && (values.output === true || values.events === true)
        ? { holdStartMs: 5000 }
        : {}),
      ...(request.maxParallel === undefined ? {} : { maxParallel: request.maxParallel }),
      ...(request.maxSlurmJobs === undefined ? {} : { maxSlurmJobs: request.maxSlurmJobs }),
      ...(binDirectory === undefined ? {} : { binDirectory }),
      ...(hooks.hooks.length === 0 ? {} : hooks),
      ...(context.prestarted === undefined ? {} : { prestarted: context.prestarted }),
    });
  } catch (error) {
    throw explainRunFailure(error, runsRoot);
  }
  // A signal that came while the run was being launched (the executor takes a moment to
  // start) was not lost: Ctrl-C or SIGTERM cancels the run now that it exists; a hangup
  // leaves it running, as a hangup always does.
  const early = context.signal.aborted ? abortSignalName(context.signal) : undefined;
  if (early === "SIGHUP") return 129;
  if (early !== undefined) {
    const view = await readRun(launched.directory);
    await cancelRun(view, {
      reason: interruptReason(early),
      env: context.env,
    }).catch(() => undefined);
    output.err(
      `runyard: ${early === "SIGINT" ? "interrupted" : "terminated"}; cancelling the run\n`,
    );
    if (values.detach === true) return EXIT.cancelled;
  }
  if (values.detach === true) {
    if (values.json === true) {
      const started: RunStartedJson = {
        runId: launched.runId,
        runDirectory: launched.directory,
        pid: launched.pid,
      };
      output.out(`${JSON.stringify(started)}\n`);
    } else output.out(`${launched.runId}\n`);
    if (values.quiet !== true) {
      output.err(
        `${paint(output, "bold", "runyard")}: started run ${launched.runId} in ${tildify(launched.directory)}\n` +
          paint(
            output,
            "dim",
            `follow it: runyard attach ${launched.runId.slice(-8)}   cancel it: runyard cancel ${launched.runId.slice(-8)}\n`,
          ),
      );
    }
    return EXIT.ok;
  }
  const outcome = await watchRun(launched.directory, context, {
    runsRoot,
    showOutput: values.output === true,
    events: values.events === true,
    quiet: values.quiet === true,
    mode: "run",
    interrupted: early !== undefined,
  });
  if (outcome.kind === "ended" && outcome.error !== undefined) {
    // The executor could not keep the run's record (a full disk): say why, as if it had
    // happened here, with the exit status it deserves.
    throw explainRunFailure(fromRunError(outcome.error), runsRoot, launched.directory);
  }
  // The return value goes to stdout, alone, so that $(runyard run -q wf.yaml) is the value.
  const returnValue =
    outcome.kind === "ended" && outcome.finalStatus === "success"
      ? await readReturnValue(launched.directory)
      : null;
  if (values.json === true && outcome.kind !== "detached") {
    const ended: RunEndedJson = {
      runId: launched.runId,
      runDirectory: launched.directory,
      finalStatus: outcome.kind === "ended" ? outcome.finalStatus : "crashed",
      returnValue,
    };
    output.out(`${JSON.stringify(ended)}\n`);
  } else if (returnValue !== null) {
    output.out(returnValue.endsWith("\n") ? returnValue : `${returnValue}\n`);
  }
  return exitForOutcome(outcome, launched.runId, context.output);
}
