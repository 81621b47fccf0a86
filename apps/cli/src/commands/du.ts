// `runyard du`: how much disk each run takes, largest first, and the runs root in total — what
// a user looks at before choosing what to remove (`runyard rm`) or how to set the policy.
import { measureRuns } from "@runyard/store";
import type { CommandRun } from "../command.js";
import { STATE_STYLE } from "../describe-run.js";
import { EXIT, refuseExtraArguments } from "../errors.js";
import type { DuResultJson } from "../json/retention.js";
import { limitOption } from "../limit-option.js";
import { ago, formatBytes, paint, tildify } from "../output.js";
import { runsRootFor } from "../runs-root.js";
import { countOf, headerRow, renderTable, shortRunId, type TableRow } from "../table.js";

/** `runyard du`, once its flags are parsed (its help and flags: command-table/du.ts). */
export const run: CommandRun = async (values, positionals, context) => {
  refuseExtraArguments(positionals, "runyard du [options]");
  const limit = limitOption(values.limit, 20);
  const usage = await measureRuns(await runsRootFor(values, context));
  const runs = [...usage.runs].sort((a, b) => b.bytes - a.bytes);
  const { output } = context;
  if (values.json === true) {
    const json: DuResultJson = {
      runsRoot: usage.runsRoot,
      runs: runs.map((run) => ({
        runId: run.runId,
        workflowName: run.view?.meta.workflowName ?? null,
        state: run.state,
        directory: run.directory,
        bytes: run.bytes,
        startedAt: run.view?.meta.startedAt ?? null,
      })),
      pendingRemovals: usage.pendingRemovals.map((pending) => ({
        name: pending.name,
        runId: pending.runId,
        bytes: pending.bytes,
      })),
      totalBytes: usage.totalBytes,
    };
    output.out(`${JSON.stringify(json)}\n`);
    return EXIT.ok;
  }
  const shown = limit === 0 ? runs : runs.slice(0, limit);
  const now = Date.now();
  if (shown.length > 0) {
    const rows: TableRow[] = [
      headerRow(["RUN", "WORKFLOW", "STATE", "STARTED", "SIZE"]),
      ...shown.map((run) => ({
        cells: [
          shortRunId(run.runId),
          run.view?.meta.workflowName ?? "-",
          run.state,
          run.view ? ago(run.view.meta.startedAt, now) : "-",
          formatBytes(run.bytes),
        ],
        styles: [undefined, "bold" as const, STATE_STYLE[run.state]],
      })),
    ];
    output.out(`${renderTable(output, rows, { alignRight: [4] })}\n`);
  }
  if (shown.length < runs.length) {
    output.err(
      paint(
        output,
        "dim",
        `(${runs.length - shown.length} smaller runs not shown; -n 0 shows all)\n`,
      ),
    );
  }
  const pending = usage.pendingRemovals.length;
  const extra =
    pending > 0
      ? ` and ${pending} ${pending === 1 ? "directory" : "directories"} left by unfinished removals or abandoned launches, which runyard gc removes`
      : "";
  output.out(
    `total ${formatBytes(usage.totalBytes)} in ${countOf(runs.length, "run")}${extra}, in ${tildify(usage.runsRoot)}\n`,
  );
  for (const run of usage.runs) {
    for (const problem of run.problems) {
      output.err(`${paint(output, "yellow", "warning:")} not counted: ${problem}\n`);
    }
  }
  return EXIT.ok;
};
