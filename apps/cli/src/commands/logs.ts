// `runyard logs RUN [STEP]`: print what a run's steps wrote, from the capture files, byte for
// byte; with -f, follow them while the run (or the step) goes on.
import { RunyardError } from "@runyard/schema";
import {
  type CaptureFileStream,
  resolveRunReference,
  scanCaptures,
  shortHostname,
} from "@runyard/store";
import { copyCapture } from "../capture-copy.js";
import type { CommandRun } from "../command.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import { followCaptures } from "../follow-captures.js";
import { paint } from "../output.js";
import { runsRootFor } from "../runs-root.js";
import { safeText } from "../safe-text.js";

/** `runyard logs`, once its flags are parsed (its help and flags: command-table/logs.ts). */
export const run: CommandRun = async (values, positionals, context) => {
  const [reference, step, ...extra] = positionals;
  if (reference === undefined)
    throw new UsageError("missing the run", "usage: runyard logs <run> [step]");
  refuseExtraArguments(extra, "runyard logs <run> [step]");
  const { directory, runId } = await resolveRunReference(
    await runsRootFor(values, context),
    reference,
  );
  const streams: CaptureFileStream[] =
    values.stdout === true || values.stderr === true
      ? [
          ...(values.stdout === true ? ["out" as const] : []),
          ...(values.stderr === true ? ["err" as const] : []),
        ]
      : ["out", "err"];
  if (values.follow === true) {
    return followCaptures(
      {
        directory,
        runId,
        host: shortHostname(context.env),
        streams,
        ...(step === undefined ? {} : { stepId: step }),
      },
      context,
    );
  }
  const { captures, refused } = await scanCaptures(directory, {
    streams,
    ...(step === undefined ? {} : { stepId: step }),
  });
  const warning = paint(context.output, "yellow", "warning:");
  for (const entry of refused) context.output.err(`${warning} ${entry.error.message}\n`);
  if (captures.length === 0 && refused.length === 0) {
    if (step !== undefined) {
      throw new RunyardError(
        "E_STEP_NOT_FOUND",
        `run ${runId} has no output from a step "${step}"`,
        {
          hint: `see the run's steps with: runyard show ${runId}`,
        },
      );
    }
    context.output.err(`run ${runId} has no captured output yet\n`);
    return EXIT.ok;
  }
  if (captures.length === 0) {
    context.output.err(`run ${runId} has no output that can be printed\n`);
    return EXIT.ok;
  }
  const { output, signal } = context;
  try {
    for (const [index, capture] of captures.entries()) {
      if (signal.aborted) return EXIT.cancelled;
      if (index > 0) output.out("\n");
      output.out(`${paint(output, "bold", `==> ${safeText(capture.name)} <==`)}\n`);
      const endsWithNewline = await copyCapture(capture.path, output, signal);
      if (!endsWithNewline) output.out("\n");
    }
  } catch (error) {
    // Ctrl-C (or a reader that went away) stops the copy; anything else is a real failure.
    if (signal.aborted) return EXIT.cancelled;
    throw error;
  }
  return EXIT.ok;
};
