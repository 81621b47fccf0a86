// `runyard attach RUN`: the live view of `runyard run` for a run started earlier — from another
// terminal, after a dropped ssh session, or with `run --detach`. Ctrl-C leaves the view, never
// the run. A run that has ended is shown from its timeline, with the exit status of the run.
import { fromRunError } from "@runyard/protocol";
import type { CommandRun } from "../command.js";
import { paint } from "../output.js";
import { runArgument } from "../runs-root.js";
import { safeText } from "../safe-text.js";
import { exitForOutcome, watchRun } from "../watch-run.js";

/** `runyard attach`, once its flags are parsed (its help and flags: command-table/attach.ts). */
export const run: CommandRun = async (values, positionals, context) => {
  const [reference, ...extra] = positionals;
  const { directory, runId, runsRoot } = await runArgument(
    reference,
    extra,
    "runyard attach <run>",
    values,
    context,
  );
  const outcome = await watchRun(directory, context, {
    runsRoot,
    showOutput: values.output === true,
    events: values.events === true,
    quiet: values.quiet === true,
    mode: "attach",
    ssh: values.ssh === true,
  });
  if (outcome.kind === "ended" && outcome.error !== undefined) {
    const why = fromRunError(outcome.error);
    context.output.err(
      `${paint(context.output, "red", "error:")} the executor could not keep the run's record: ${safeText(why.message)}\n`,
    );
  }
  return exitForOutcome(outcome, runId, context.output);
};
