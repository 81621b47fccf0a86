// `runyard run WORKFLOW`: run a workflow in the foreground, printing progress, leaving a run
// directory behind. Exit 0 on success, 1 when a step failed, 130 when cancelled.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { runWorkflow } from "@runyard/executor";
import { encodeStderrLine, type RunEvent } from "@runyard/protocol";
import { RunyardError } from "@runyard/schema";
import type { Command } from "../command.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import { ProgressPrinter } from "../progress.js";
import { runsRootFor } from "../run-reference.js";

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
  -o, --output         Also print each step's output, prefixed with the step id
  -j, --max-parallel <n>
                       Run at most n steps at once (default: the number of CPUs)
  -q, --quiet          Print nothing but errors
      --events         Also print every event on stderr as a __RUNYARD_EVENT__ JSON line
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
    if (!existsSync(workflowFile)) {
      throw new RunyardError("E_WORKFLOW_NOT_FOUND", `workflow file not found: ${file}`, {
        hint: "give the path of a .yaml workflow file, e.g. runyard run examples/hello.yaml",
      });
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
    const params: Record<string, string> = {};
    for (const pair of (values.param ?? []) as string[]) {
      const equals = pair.indexOf("=");
      if (equals < 1) throw new UsageError(`--param expects NAME=VALUE, got "${pair}"`);
      params[pair.slice(0, equals)] = pair.slice(equals + 1);
    }
    const runsRoot = await runsRootFor(values, context);

    const { output } = context;
    const quiet = values.quiet === true;
    const printer = new ProgressPrinter(output, { showOutput: values.output === true, runsRoot });
    const onEvent = (event: RunEvent) => {
      if (values.events === true) output.err(encodeStderrLine(event));
      if (!quiet) printer.handle(event);
    };
    const result = await runWorkflow({
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
    if (values.json === true) {
      output.out(
        `${JSON.stringify({ runId: result.runId, runDirectory: result.runDirectory, finalStatus: result.finalStatus })}\n`,
      );
    }
    if (result.finalStatus === "success") return EXIT.ok;
    return result.finalStatus === "cancelled" ? EXIT.cancelled : EXIT.failed;
  },
};
