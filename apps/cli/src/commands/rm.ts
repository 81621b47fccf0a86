// `runyard rm RUN…`: removes run directories. A running run is refused unless --force, which
// cancels it over its socket and waits for it to end first. Every run given is resolved before
// any is removed, so a typo removes nothing; then each is removed on its own, and one that
// cannot be is reported while the others go.
import { join } from "node:path";
import { scancelJobs } from "@runyard/executor";
import { DURATION_PATTERN, durationSeconds, RunyardError } from "@runyard/schema";
import { type RemovedRun, readRun, removeRun, resolveRunReference } from "@runyard/store";
import type { CommandContext, CommandRun } from "../command.js";
import { DEFAULT_WAIT } from "../command-table/rm-defaults.js";
import { EXIT, exitStatusFor, reportError, UsageError } from "../errors.js";
import type { RmResultJson } from "../json/retention.js";
import { formatBytes, paint } from "../output.js";
import { runsRootFor } from "../runs-root.js";
import { safeText } from "../safe-text.js";
import { jobsWords, slurmJobsLeft } from "../slurm-jobs.js";
import { stopRun } from "../stop-run.js";
import { shortRunId } from "../table.js";

/** --wait: a duration ("30s", "2m") or a number of seconds. */
function waitMilliseconds(value: unknown): number {
  const text = typeof value === "string" ? value : DEFAULT_WAIT;
  const seconds = /^\d+(\.\d+)?$/.test(text)
    ? Number(text)
    : DURATION_PATTERN.test(text)
      ? durationSeconds(text)
      : 0;
  if (seconds <= 0) {
    throw new UsageError(
      `--wait expects a duration such as "30s" or "2m", got "${text}"`,
      "see 'runyard rm --help'",
    );
  }
  return seconds * 1000;
}

/** Removes one run, cancelling it first when it runs and --force says so. */
async function removeOne(
  runsRoot: string,
  runId: string,
  force: boolean,
  ssh: boolean,
  waitMs: number,
  context: CommandContext,
): Promise<RemovedRun & { cancelled: boolean }> {
  const view = await readRun(join(runsRoot, runId)).catch(() => undefined);
  let cancelled = false;
  if (force && view?.classification === "running") {
    context.output.err(
      `cancelling run ${shortRunId(runId)} (${safeText(view.meta.workflowName)})…\n`,
    );
    await stopRun(view, {
      timeoutMs: waitMs,
      signal: context.signal,
      reason: "runyard rm --force",
      env: context.env,
      ssh,
    });
    cancelled = true;
  }
  // A crashed run's Slurm jobs may go on, writing into the directory: not removed under them.
  if (view?.classification === "crashed") {
    const jobs = (await slurmJobsLeft([view], context.env)).going.get(runId) ?? [];
    const ids = jobs.map((job) => job.jobId);
    if (jobs.length > 0 && !force)
      throw new RunyardError(
        "E_RUN_JOBS_LIVE",
        `run ${runId} crashed, but ${jobsWords(jobs)}: they write into its directory`,
        {
          hint: `runyard resume ${shortRunId(runId)} takes them over; scancel ${ids.join(" ")} stops them; --force cancels them and removes the run`,
        },
      );
    if (jobs.length > 0) {
      context.output.err(
        `cancelling Slurm job(s) ${ids.join(", ")} of run ${shortRunId(runId)}…\n`,
      );
      const problem = await scancelJobs(ids, context.env);
      if (problem !== undefined)
        throw new RunyardError(
          "E_RUN_JOBS_LIVE",
          `cannot cancel Slurm job(s) ${ids.join(", ")}: ${problem}`,
          {
            hint: `scancel ${ids.join(" ")}, then runyard rm ${shortRunId(runId)} again`,
          },
        );
    }
  }
  // A run stopped just now has ended: it is removed as any ended run, never forced. --force
  // still removes a run whose state cannot be told (another host, an unreadable meta.json).
  const removed = await removeRun(runsRoot, runId, { force: force && !cancelled });
  return { ...removed, cancelled };
}

/** `runyard rm`, once its flags are parsed (its help and flags: command-table/rm.ts). */
export const run: CommandRun = async (values, positionals, context) => {
  if (positionals.length === 0) {
    throw new UsageError("missing the run to remove", "usage: runyard rm <run>... [options]");
  }
  const force = values.force === true;
  const waitMs = waitMilliseconds(values.wait);
  const runsRoot = await runsRootFor(values, context);
  const runIds: string[] = [];
  for (const reference of positionals) {
    const { runId } = await resolveRunReference(runsRoot, reference);
    if (!runIds.includes(runId)) runIds.push(runId);
  }
  const { output } = context;
  const result: RmResultJson = { removed: [], failed: [], freedBytes: 0 };
  let status: number = EXIT.ok;
  for (const runId of runIds) {
    try {
      const removed = await removeOne(runsRoot, runId, force, values.ssh === true, waitMs, context);
      result.removed.push({
        runId: removed.runId,
        workflowName: removed.workflowName,
        state: removed.state,
        directory: removed.directory,
        bytes: removed.bytes,
        cancelled: removed.cancelled,
      });
      result.freedBytes += removed.bytes;
      if (values.json !== true) {
        const what = [
          removed.workflowName ?? "unreadable",
          removed.state,
          formatBytes(removed.bytes),
        ];
        output.out(`removed ${shortRunId(runId)} (${safeText(what.join(", "))})\n`);
      }
    } catch (error) {
      if (status === EXIT.ok) status = exitStatusFor(error);
      const code = error instanceof RunyardError ? error.code : "E_INTERNAL";
      result.failed.push({ runId, code, message: (error as Error).message });
      reportError(error, output, context.debug);
    }
  }
  if (values.json === true) output.out(`${JSON.stringify(result)}\n`);
  else if (result.removed.length > 1) {
    output.out(paint(output, "dim", `freed ${formatBytes(result.freedBytes)}\n`));
  }
  return status;
};
