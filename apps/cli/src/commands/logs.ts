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
import type { Command } from "../command.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import { followCaptures } from "../follow-captures.js";
import { paint } from "../output.js";
import { runsRootFor } from "../runs-root.js";
import { safeText } from "../safe-text.js";

export const logsCommand: Command = {
  name: "logs",
  summary: "Print what a run's steps wrote to stdout and stderr; -f follows",
  usage: "runyard logs <run> [step] [options]",
  help: `Prints the capture files of a run (every attempt of every step, in the order they
started), each under a header, byte for byte. <run> is a run id, a unique prefix or suffix of
one (the last 8 characters are random, the first are the start time), or 'latest'.

With -f, prints what is there, then what the steps write as they write it, as 'tail -f'
does (a header whenever the output switches file; new steps and attempts join as they
start), and stops once the run has ended, or, given a step, once that step has ended, after
the last bytes. Ctrl-C stops following; the run goes on. It reads only the files, so it
also follows a run started on another login node that shares the file system.

Options:
  -f, --follow         Follow the captures until the run (or the step) ends
      --stdout         Only stdout captures
      --stderr         Only stderr captures
      --runs-dir <dir> The runs root (default: $RUNYARD_RUNS_DIR, then runsDir in
                       ~/.runyard/config.yaml, then $RUNYARD_HOME/runs, then
                       ~/.runyard/runs)

No --json: the output is the steps' own bytes; 'runyard show <run> --json' lists the capture
files with their paths and sizes.

Examples:
  runyard logs latest
  runyard logs 5e0c41d2 build --stderr
  runyard logs -f latest build`,
  options: {
    follow: { type: "boolean", short: "f" },
    stdout: { type: "boolean" },
    stderr: { type: "boolean" },
    "runs-dir": { type: "string" },
  },
  async run(values, positionals, context) {
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
  },
};
