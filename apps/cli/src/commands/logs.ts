// `runyard logs RUN [STEP]`: print what a run's steps wrote, from the capture files.
import { createReadStream } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { parseCaptureFileName, RunyardError } from "@runyard/schema";
import type { Command } from "../command.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import { paint } from "../output.js";
import { resolveRunReference, runsRootFor } from "../run-reference.js";

async function copyTo(path: string, write: (text: string) => void): Promise<boolean> {
  let endsWithNewline = true;
  for await (const chunk of createReadStream(path, { encoding: "utf8" })) {
    const text = chunk as string;
    if (text.length === 0) continue;
    write(text);
    endsWithNewline = text.endsWith("\n");
  }
  return endsWithNewline;
}

export const logsCommand: Command = {
  name: "logs",
  summary: "Print what a run's steps wrote to stdout and stderr",
  usage: "runyard logs <run> [step] [options]",
  help: `Prints the capture files of a run (every attempt of every step, in the order they
started), each under a header. <run> is a run id, a unique prefix or suffix of one (the
last 8 characters are random, the first are the start time), or 'latest'.

Options:
      --stdout         Only stdout captures
      --stderr         Only stderr captures
      --runs-dir <dir> The runs root (default: $RUNYARD_RUNS_DIR, then runsDir in
                       ~/.runyard/config.yaml, then ~/.runyard/runs)

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
    const streams = new Set<string>(
      values.stdout === true || values.stderr === true
        ? [...(values.stdout === true ? ["out"] : []), ...(values.stderr === true ? ["err"] : [])]
        : ["out", "err"],
    );
    const captures = (await readdir(directory))
      .map((name) => ({ name, parsed: parseCaptureFileName(name) }))
      .filter(
        (entry) =>
          entry.parsed &&
          streams.has(entry.parsed.stream) &&
          (step === undefined || entry.parsed.stepId === step),
      )
      // Attempts in the order they started; a step's stdout before its stderr.
      .sort(
        (a, b) =>
          a.name.slice(0, -4).localeCompare(b.name.slice(0, -4)) ||
          (a.parsed?.stream === "out" ? -1 : 1),
      );
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
    const { output } = context;
    for (const [index, capture] of captures.entries()) {
      if (index > 0) output.out("\n");
      output.out(`${paint(output, "bold", `==> ${capture.name} <==`)}\n`);
      const endsWithNewline = await copyTo(join(directory, capture.name), output.out);
      if (!endsWithNewline) output.out("\n");
    }
    return EXIT.ok;
  },
};
