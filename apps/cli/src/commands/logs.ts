// `runyard logs RUN [STEP]`: print what a run's steps wrote, from the capture files. The bytes
// go to stdout as they are in the file (a step's output need not be UTF-8), a chunk at a time
// and no faster than the reader takes them, so a capture of gigabytes costs no memory.

import { once } from "node:events";
import { createReadStream } from "node:fs";
import { RunyardError } from "@runyard/schema";
import { type CaptureFileStream, listCaptures, resolveRunReference } from "@runyard/store";
import type { Command } from "../command.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import { type Output, paint } from "../output.js";
import { runsRootFor } from "../runs-root.js";

const NEWLINE = 0x0a;

/** Copies a file to stdout unchanged; resolves to whether it ended with a newline. */
async function copyCapture(path: string, output: Output, signal: AbortSignal): Promise<boolean> {
  let last = NEWLINE;
  const stdout = output.stdout;
  const decoder = new TextDecoder();
  for await (const chunk of createReadStream(path, { signal })) {
    const bytes = chunk as Buffer;
    if (bytes.length === 0) continue;
    last = bytes[bytes.length - 1] ?? NEWLINE;
    if (stdout === undefined) {
      output.out(decoder.decode(bytes, { stream: true }));
    } else if (!stdout.write(bytes)) {
      await once(stdout, "drain", { signal });
    }
  }
  if (stdout === undefined) output.out(decoder.decode());
  return last === NEWLINE;
}

export const logsCommand: Command = {
  name: "logs",
  summary: "Print what a run's steps wrote to stdout and stderr",
  usage: "runyard logs <run> [step] [options]",
  help: `Prints the capture files of a run (every attempt of every step, in the order they
started), each under a header, byte for byte. <run> is a run id, a unique prefix or suffix of
one (the last 8 characters are random, the first are the start time), or 'latest'.

Options:
      --stdout         Only stdout captures
      --stderr         Only stderr captures
      --runs-dir <dir> The runs root (default: $RUNYARD_RUNS_DIR, then runsDir in
                       ~/.runyard/config.yaml, then $RUNYARD_HOME/runs, then
                       ~/.runyard/runs)

Examples:
  runyard logs latest
  runyard logs 5e0c41d2 build --stderr`,
  options: {
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
    const captures = await listCaptures(directory, {
      streams,
      ...(step === undefined ? {} : { stepId: step }),
    });
    if (captures.length === 0) {
      if (step !== undefined) {
        throw new RunyardError(
          "E_STEP_NOT_FOUND",
          `run ${runId} has no output from a step "${step}"`,
          {
            hint: `see the run's steps with: runyard logs ${runId}`,
          },
        );
      }
      context.output.err(`run ${runId} has no captured output yet\n`);
      return EXIT.ok;
    }
    const { output, signal } = context;
    try {
      for (const [index, capture] of captures.entries()) {
        if (signal.aborted) return EXIT.cancelled;
        if (index > 0) output.out("\n");
        output.out(`${paint(output, "bold", `==> ${capture.name} <==`)}\n`);
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
