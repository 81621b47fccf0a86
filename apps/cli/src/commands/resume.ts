// `runyard resume RUN`: a new detached executor takes the run over in its own directory
// (@runyard/executor's resumeRun), and this command watches it from the resume on, as
// `runyard run` watches a run it started.
import { resumeRun } from "@runyard/executor";
import { fromRunError } from "@runyard/protocol";
import { readReturnValue, readRun } from "@runyard/store";
import type { CommandRun } from "../command.js";
import { EXIT } from "../errors.js";
import type { RunEndedJson, RunStartedJson } from "../json/run-command.js";
import { paint, tildify } from "../output.js";
import { runArgument } from "../runs-root.js";
import { safeText } from "../safe-text.js";
import { maxParallelOption, maxSlurmJobsOption } from "../start-run.js";
import { stepBinDirectory } from "../step-bin.js";
import { abortSignalName, cancelRun } from "../stop-run.js";
import { exitForOutcome, interruptReason, watchRun } from "../watch-run.js";

/** `runyard resume`, once its flags are parsed (its help and flags: command-table/resume.ts). */
export const run: CommandRun = async (values, positionals, context) => {
  const [reference, ...extra] = positionals;
  const maxParallel = maxParallelOption(values);
  const maxSlurmJobs = maxSlurmJobsOption(values);
  const { directory, runId, runsRoot } = await runArgument(
    reference,
    extra,
    "runyard resume <run>",
    values,
    context,
  );
  const { output } = context;
  const binDirectory = stepBinDirectory();
  const watching = values.detach !== true;
  const resumed = await resumeRun({
    directory,
    env: context.env,
    ...(maxParallel === undefined ? {} : { maxParallel }),
    ...(maxSlurmJobs === undefined ? {} : { maxSlurmJobs }),
    ...(binDirectory === undefined ? {} : { binDirectory }),
    // As runyard run: a view that shows output holds the first step until it subscribes.
    ...(watching && (values.output === true || values.events === true)
      ? { holdStartMs: 5000 }
      : {}),
  });
  // The view starts at the resume: what happened before is in `runyard show` and `attach`.
  const view = await readRun(directory, { timeline: "none" });
  // A signal that came while the executor was starting was not lost: Ctrl-C or SIGTERM
  // cancels the resumed run now that it runs; a hangup leaves it running, as always.
  const early = context.signal.aborted ? abortSignalName(context.signal) : undefined;
  if (early === "SIGHUP") return 129;
  if (early !== undefined) {
    await cancelRun(view, { reason: interruptReason(early), env: context.env }).catch(
      () => undefined,
    );
    output.err(
      `runyard: ${early === "SIGINT" ? "interrupted" : "terminated"}; cancelling the run\n`,
    );
    if (!watching) return EXIT.cancelled;
  }
  const from = view.meta.resumes?.at(-1)?.seq ?? 1;
  if (!watching) {
    if (values.json === true) {
      const started: RunStartedJson = { runId, runDirectory: directory, pid: resumed.pid };
      output.out(`${JSON.stringify(started)}\n`);
    } else output.out(`${runId}\n`);
    if (values.quiet !== true) {
      output.err(
        `${paint(output, "bold", "runyard")}: resumed run ${runId} in ${tildify(directory)}\n` +
          paint(
            output,
            "dim",
            `follow it: runyard attach ${runId.slice(-8)}   cancel it: runyard cancel ${runId.slice(-8)}\n`,
          ),
      );
    }
    return EXIT.ok;
  }
  const outcome = await watchRun(directory, context, {
    runsRoot,
    showOutput: values.output === true,
    events: values.events === true,
    quiet: values.quiet === true,
    mode: "run",
    fromSeq: from,
    interrupted: early !== undefined,
  });
  if (outcome.kind === "ended" && outcome.error !== undefined) {
    output.err(
      `${paint(output, "red", "error:")} the executor could not keep the run's record: ${safeText(fromRunError(outcome.error).message)}\n`,
    );
  }
  const returnValue =
    outcome.kind === "ended" && outcome.finalStatus === "success"
      ? await readReturnValue(directory)
      : null;
  if (values.json === true && outcome.kind !== "detached") {
    const ended: RunEndedJson = {
      runId,
      runDirectory: directory,
      finalStatus: outcome.kind === "ended" ? outcome.finalStatus : "crashed",
      returnValue,
    };
    output.out(`${JSON.stringify(ended)}\n`);
  } else if (returnValue !== null) {
    output.out(returnValue.endsWith("\n") ? returnValue : `${returnValue}\n`);
  }
  return exitForOutcome(outcome, runId, output);
};
