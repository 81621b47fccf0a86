// `runyard ps`: the runs under the runs root, newest first, with what each is doing now.
import { listRuns, type RunView } from "@runyard/store";
import type { Command } from "../command.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import { formatDuration, type Output, paint, type Style, tildify } from "../output.js";
import { runsRootFor } from "../run-reference.js";

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
  const steps = view.status?.steps ?? [];
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

export const psCommand: Command = {
  name: "ps",
  aliases: ["list", "ls"],
  summary: "List runs, newest first, with their state",
  usage: "runyard ps [options]",
  help: `Lists the run directories under the runs root with their state: running, success, failed,
cancelled, or crashed (the executor is gone but never wrote a final status).

Options:
  -n, --limit <n>      Show at most n runs (default 20; 0 shows all)
      --runs-dir <dir> The runs root (default: $RUNYARD_RUNS_DIR, then runsDir in
                       ~/.runyard/config.yaml, then ~/.runyard/runs)
      --json           One JSON object per run on stdout (runId, workflowName, state, ...)

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
    const list = await listRuns(runsRoot);
    const shown = limit === 0 ? list.runs : list.runs.slice(0, limit);
    if (values.json === true) {
      for (const view of shown) {
        output.out(
          `${JSON.stringify({
            runId: view.runId,
            workflowName: view.meta.workflowName,
            workflowFile: view.meta.workflowFile,
            state: view.classification,
            reason: view.reason,
            startedOn: view.meta.startedOn,
            startedAt: view.meta.startedAt,
            endedAt: view.meta.endedAt,
            directory: view.directory,
            steps: view.status?.steps ?? [],
          })}\n`,
        );
      }
      return EXIT.ok;
    }
    if (list.runs.length === 0 && list.broken.length === 0) {
      output.err(`no runs in ${tildify(runsRoot)}; start one with: runyard run <workflow.yaml>\n`);
      return EXIT.ok;
    }
    const now = Date.now();
    const rows = [["RUN", "WORKFLOW", "STATE", "STARTED", "DURATION", "HOST", "STEPS"]];
    const styles: (Style | undefined)[][] = [["dim", "dim", "dim", "dim", "dim", "dim", "dim"]];
    for (const view of shown) {
      const end = view.meta.endedAt ? Date.parse(view.meta.endedAt) : now;
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
    output.out(`${table(output, rows, styles)}\n`);
    if (shown.length < list.runs.length) {
      output.err(
        paint(
          output,
          "dim",
          `(${list.runs.length - shown.length} older runs not shown; -n 0 shows all)\n`,
        ),
      );
    }
    for (const broken of list.broken) {
      output.err(
        `${paint(output, "yellow", "warning:")} unreadable run ${broken.runId}: ${broken.error.message}\n`,
      );
    }
    return EXIT.ok;
  },
};
