// `runyard run WORKFLOW`: run a workflow in the foreground, printing progress, leaving a run
// directory behind. Exit 0 on success, 1 when a step failed, 130 when cancelled (a hangup
// ends the process by SIGHUP instead, see bin.ts).
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { runWorkflow } from "@runyard/executor";
import { encodeStderrLine, type RunEvent } from "@runyard/protocol";
import { RunyardError } from "@runyard/schema";
import { findSystemError } from "@runyard/store";
import type { Command } from "../command.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import { LiveOutputGate } from "../live-output.js";
import { ProgressPrinter } from "../progress.js";
import { runsRootFor } from "../runs-root.js";

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

/**
 * Says what a failed run could not do, in terms of the runs root and the run directory: a
 * system error from deep inside (a write to an open capture file names no path) becomes
 * "cannot write to the run directory <dir>: no space left on device".
 */
function explainRunFailure(error: unknown, runsRoot: string, runDirectory?: string): unknown {
  const facts = findSystemError(error);
  if (!facts) return error;
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

export const runCommand: Command = {
  name: "run",
  summary: "Run a workflow and watch it live",
  usage: "runyard run <workflow.yaml> [options]",
  help: `Runs every step of the workflow as a real process, in dependency order, and keeps a run
directory with the workflow copy, meta.json, status.json, each step's stdout/stderr captures and
the event timeline (run_summary.jsonl). Progress goes to stderr; press Ctrl-C to cancel.

Options:
      --runs-dir <dir> Where run directories go (default: $RUNYARD_RUNS_DIR, then runsDir
                       in ~/.runyard/config.yaml, then $RUNYARD_HOME/runs, then
                       ~/.runyard/runs)
  -p, --param <name=value>
                       Set a workflow param (repeatable); params without a default
                       must be given. Steps see each as an environment variable
  -o, --output         Also print each step's output, prefixed with the step id. When
                       the terminal falls behind, some is left out (and said so): the
                       run never waits for it, and runyard logs has all of it
  -j, --max-parallel <n>
                       Run at most n steps at once (default: the number of CPUs)
  -q, --quiet          Print nothing but errors
      --events         Also print every event on stderr as a __RUNYARD_EVENT__ JSON line
                       (step-output ones are left out while stderr's reader is behind)
      --json           Print the run's id, directory and final status as JSON on stdout

Examples:
  runyard run examples/hello.yaml
  runyard run pipeline.yaml --output --max-parallel 4
  runyard run align.yaml -p sample=NA12878 -p threads=8`,
  options: {
    "runs-dir": { type: "string" },
    param: { type: "string", short: "p", multiple: true },
    output: { type: "boolean", short: "o" },
    "max-parallel": { type: "string", short: "j" },
    quiet: { type: "boolean", short: "q" },
    events: { type: "boolean" },
    json: { type: "boolean" },
  },
  async run(values, positionals, context) {
    const [file, ...extra] = positionals;
    if (file === undefined)
      throw new UsageError("missing the workflow file", "usage: runyard run <workflow.yaml>");
    refuseExtraArguments(extra, "runyard run <workflow.yaml>");
    const workflowFile = resolve(context.cwd, file);
    const stats = statSync(workflowFile, { throwIfNoEntry: false });
    const hint = "give the path of a .yaml workflow file, e.g. runyard run examples/hello.yaml";
    if (stats === undefined)
      throw new RunyardError("E_WORKFLOW_NOT_FOUND", `workflow file not found: ${file}`, { hint });
    if (!stats.isFile()) {
      const kind = stats.isDirectory() ? "it is a directory" : "not a regular file";
      throw new RunyardError("E_WORKFLOW_NOT_FILE", `not a file: ${file} (${kind})`, { hint });
    }
    let maxParallel: number | undefined;
    if (typeof values["max-parallel"] === "string") {
      maxParallel = Number(values["max-parallel"]);
      if (!Number.isInteger(maxParallel) || maxParallel < 1) {
        throw new UsageError(
          `--max-parallel expects a whole number of at least 1, got "${values["max-parallel"]}"`,
        );
      }
    }
    // A Map, not an object: `-p __proto__=x` must reach the workflow's param check as a name
    // (and be refused as unknown), not set an object's prototype. fromEntries defines keys.
    const given = new Map<string, string>();
    for (const pair of (values.param ?? []) as string[]) {
      const equals = pair.indexOf("=");
      if (equals < 1) throw new UsageError(`--param expects NAME=VALUE, got "${pair}"`);
      given.set(pair.slice(0, equals), pair.slice(equals + 1));
    }
    const params: Record<string, string> = Object.fromEntries(given);
    const runsRoot = await runsRootFor(values, context);

    const { output } = context;
    const quiet = values.quiet === true;
    const printer = new ProgressPrinter(output, { showOutput: values.output === true, runsRoot });
    const live = new LiveOutputGate(output, { notice: !quiet });
    let runDirectory: string | undefined;
    const onEvent = (event: RunEvent) => {
      if (event.type === "run-start") runDirectory = join(runsRoot, event.runId);
      if (!live.admit(event)) {
        if (event.type === "step-output" && !quiet) printer.skipOutput(event);
        return;
      }
      if (values.events === true) output.err(encodeStderrLine(event));
      if (!quiet) printer.handle(event);
    };
    let result: Awaited<ReturnType<typeof runWorkflow>>;
    try {
      result = await runWorkflow({
        workflowFile,
        runsRoot,
        env: context.env,
        onEvent,
        signal: context.signal,
        params,
        // step-output events: for the --output view and for --events consumers.
        output: values.output === true || values.events === true,
        ...(maxParallel === undefined ? {} : { maxParallel }),
      });
    } catch (error) {
      throw explainRunFailure(error, runsRoot, runDirectory);
    }
    if (values.json === true) {
      output.out(
        `${JSON.stringify({ runId: result.runId, runDirectory: result.runDirectory, finalStatus: result.finalStatus })}\n`,
      );
    }
    if (result.finalStatus === "success") return EXIT.ok;
    return result.finalStatus === "cancelled" ? EXIT.cancelled : EXIT.failed;
  },
};
