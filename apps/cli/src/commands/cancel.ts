// `runyard cancel RUN [STEP]`: asks a run's executor to cancel the run (or one step), from any
// terminal — the answer says whether it was taken. --force kills at once; --wait waits for the
// run to end and exits with its status.
import { scancelJobs } from "@runyard/executor";
import { RunyardError } from "@runyard/schema";
import { readRun } from "@runyard/store";
import type { CommandRun } from "../command.js";
import { EXIT } from "../errors.js";
import { paint } from "../output.js";
import { runArgument } from "../runs-root.js";
import { safeText } from "../safe-text.js";
import { slurmJobsLeft } from "../slurm-jobs.js";
import { cancelRun, waitForEnd } from "../stop-run.js";
import { shortRunId } from "../table.js";

/** `runyard cancel`, once its flags are parsed (its help and flags: command-table/cancel.ts). */
export const run: CommandRun = async (values, positionals, context) => {
  const [reference, stepId, ...extra] = positionals;
  const { runId, directory } = await runArgument(
    reference,
    extra,
    "runyard cancel <run> [step]",
    values,
    context,
  );
  const view = await readRun(directory);
  const { output } = context;
  // A crashed run has no executor to ask, but its Slurm jobs may go on without it: cancelled
  // here (the run stays crashed; `runyard resume` would run those steps again).
  if (view.classification === "crashed") {
    const left = (await slurmJobsLeft([view], context.env)).going.get(runId) ?? [];
    const jobs = left.filter((job) => stepId === undefined || job.stepId === stepId);
    if (jobs.length > 0) {
      const ids = jobs.map((job) => job.jobId);
      const problem = await scancelJobs(ids, context.env);
      if (problem !== undefined)
        throw new RunyardError(
          "E_CANCEL_FAILED",
          `cannot cancel Slurm job(s) ${ids.join(", ")}: ${problem}`,
          {
            hint: `scancel ${ids.join(" ")}`,
          },
        );
      const list = jobs.map((job) => `${job.jobId} (${safeText(job.stepId)})`).join(", ");
      output.err(
        `${paint(output, "yellow", "cancelled")} Slurm job(s) ${list} of run ${shortRunId(runId)}, which went on after its executor died; the run stays crashed\n`,
      );
      return EXIT.ok;
    }
  }
  const force = values.force === true;
  await cancelRun(view, {
    reason:
      typeof values.reason === "string" && values.reason.trim() !== ""
        ? values.reason
        : `${force ? "killed" : "cancelled"} with runyard cancel`,
    ...(stepId === undefined ? {} : { stepId }),
    force,
    ssh: values.ssh === true,
    env: context.env,
  });
  const what =
    stepId === undefined
      ? `run ${shortRunId(runId)}`
      : `step ${stepId} of run ${shortRunId(runId)}`;
  output.err(
    `${paint(output, "yellow", force ? "killing" : "cancelling")} ${what} (${safeText(view.meta.workflowName)}): the executor took the ${force ? "kill" : "cancel"}\n`,
  );
  if (values.wait !== true) return EXIT.ok;
  const ended = await waitForEnd(view, {
    timeoutMs: Number.POSITIVE_INFINITY,
    signal: context.signal,
  });
  output.err(`run ${shortRunId(runId)} ended ${ended.classification}\n`);
  return ended.classification === "success"
    ? EXIT.ok
    : ended.classification === "cancelled"
      ? EXIT.ok
      : EXIT.failed;
};
