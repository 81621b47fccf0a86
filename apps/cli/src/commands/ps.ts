// `runyard ps`: the runs under the runs root, newest first, with what each is doing now. Only
// the run directories shown are read; what is wrong with a run is said, not hidden.
import { type BrokenRun, listRuns, type RunView } from "@runyard/store";
import type { Command } from "../command.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import { formatDuration, type Output, paint, type Style, tildify } from "../output.js";
import { runsRootFor } from "../runs-root.js";

const STATE_STYLE: Record<string, Style> = {
  success: "green",
  failed: "red",
  crashed: "red",
  running: "blue",
  cancelled: "yellow",
};

function ago(iso: string, now: number): string {
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${Math.floor(seconds)}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86400)}d ago`;
}

function stepsCell(view: RunView): string {
  // No status.json yet, or an unreadable one (said in a warning): no counts to show.
  if (view.status === null) return "-";
  const steps = view.status.steps;
  const done = steps.filter((step) => step.status === "completed").length;
  const failed = steps.filter((step) => step.status === "failed").length;
  return `${done}/${steps.length}${failed > 0 ? ` (${failed} failed)` : ""}`;
}

function table(output: Output, rows: string[][], styles: (Style | undefined)[][]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? "").length))) ?? [];
  return rows
    .map((row, index) =>
      row
        .map((cell, column) => {
          const padded = column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0);
          const style = styles[index]?.[column];
          return style ? paint(output, style, padded) : padded;
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function viewJson(view: RunView) {
  return {
    runId: view.runId,
    workflowName: view.meta.workflowName,
    workflowFile: view.meta.workflowFile,
    state: view.classification,
    reason: view.reason,
    startedOn: view.meta.startedOn,
    startedAt: view.meta.startedAt,
    endedAt: view.endedAt,
    directory: view.directory,
    steps: view.status?.steps ?? [],
    problems: view.problems,
  };
}

function brokenJson(broken: BrokenRun) {
  return {
    runId: broken.runId,
    state: "unreadable",
    error: broken.error.message,
    directory: broken.directory,
  };
}

/** Readable and unreadable runs in one list, newest first (run ids sort by start time). */
function newestFirst(runs: RunView[], broken: BrokenRun[]): (RunView | BrokenRun)[] {
  return [...runs, ...broken].sort((a, b) => (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
}

export const psCommand: Command = {
  name: "ps",
  aliases: ["list", "ls"],
  summary: "List runs, newest first, with their state",
  usage: "runyard ps [options]",
  help: `Lists the run directories under the runs root with their state: running, success, failed,
cancelled, or crashed (the executor is gone but never wrote a final status). Only the runs
shown are read. What is wrong with a run (an unreadable status.json, a run directory written by
a newer Runyard) is printed as a warning on stderr.

Options:
  -n, --limit <n>      Show at most n runs (default 20; 0 shows all)
      --runs-dir <dir> The runs root (default: $RUNYARD_RUNS_DIR, then runsDir in
                       ~/.runyard/config.yaml, then $RUNYARD_HOME/runs, then
                       ~/.runyard/runs)
      --json           One JSON object per run on stdout (runId, workflowName, state, ...);
                       a run that cannot be read has state "unreadable" and an error

Examples:
  runyard ps
  runyard ps -n 0 --json | jq 'select(.state == "failed") | .runId'`,
  options: {
    limit: { type: "string", short: "n" },
    "runs-dir": { type: "string" },
    json: { type: "boolean" },
  },
  async run(values, positionals, context) {
    refuseExtraArguments(positionals, "runyard ps [options]");
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 0)
      throw new UsageError(`--limit expects a whole number, got "${values.limit}"`);
    const runsRoot = await runsRootFor(values, context);
    const { output } = context;
    const list = await listRuns(runsRoot, { limit });
    const shown = list.runs;
    const notShown = list.total - list.runs.length - list.broken.length;
    if (values.json === true) {
      for (const entry of newestFirst(list.runs, list.broken)) {
        output.out(`${JSON.stringify("meta" in entry ? viewJson(entry) : brokenJson(entry))}\n`);
      }
      return EXIT.ok;
    }
    if (list.total === 0) {
      output.err(`no runs in ${tildify(runsRoot)}; start one with: runyard run <workflow.yaml>\n`);
      return EXIT.ok;
    }
    const now = Date.now();
    const rows = [["RUN", "WORKFLOW", "STATE", "STARTED", "DURATION", "HOST", "STEPS"]];
    const styles: (Style | undefined)[][] = [["dim", "dim", "dim", "dim", "dim", "dim", "dim"]];
    for (const view of shown) {
      const end = view.endedAt ? Date.parse(view.endedAt) : now;
      rows.push([
        view.runId,
        view.meta.workflowName,
        view.classification,
        ago(view.meta.startedAt, now),
        formatDuration(Math.max(0, end - Date.parse(view.meta.startedAt))),
        view.meta.startedOn,
        stepsCell(view),
      ]);
      styles.push([
        undefined,
        "bold",
        STATE_STYLE[view.classification],
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
    }
    if (shown.length > 0) output.out(`${table(output, rows, styles)}\n`);
    if (notShown > 0) {
      output.err(paint(output, "dim", `(${notShown} older runs not shown; -n 0 shows all)\n`));
    }
    const warning = paint(output, "yellow", "warning:");
    for (const view of shown) {
      for (const problem of view.problems) {
        // Problems name their file by its full path; inside the run directory the name will do.
        const short = problem.startsWith(`${view.directory}/`)
          ? problem.slice(view.directory.length + 1)
          : problem;
        output.err(`${warning} run ${view.runId}: ${short}\n`);
      }
    }
    for (const broken of list.broken) {
      output.err(`${warning} unreadable run ${broken.runId}: ${broken.error.message}\n`);
    }
    return EXIT.ok;
  },
};
