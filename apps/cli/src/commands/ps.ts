// `runyard ps`: the runs under the runs root, newest first, with what each is doing now and
// why it ended. Only the run directories shown are read (with --state, only until enough
// match); what is wrong with a run is said, not hidden.
import {
  type BrokenRun,
  listRuns,
  RUN_CLASSIFICATIONS,
  type RunClassification,
  type RunView,
  shortHostname,
  shortRunIds,
  workSteps,
} from "@runyard/store";
import type { CommandRun } from "../command.js";
import { DAMAGED_MARK, runDurationMs, STATE_STYLE, shortRunReason } from "../describe-run.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import type { PsLineJson } from "../json/ps.js";
import { ago, formatDuration, type Output, paint, tildify } from "../output.js";
import { type RunJsonContext, runJson } from "../run-json.js";
import { runsRootFor } from "../runs-root.js";
import { safeText } from "../safe-text.js";
import { slurmJobsLeft } from "../slurm-jobs.js";
import { headerRow, renderTable, type TableRow } from "../table.js";

/** Marks a run started on another host, in the HOST column. */
const OTHER_HOST_MARK = "*";

function stepsCell(view: RunView): string {
  // No status.json yet, or an unreadable one (said in a warning): no counts to show.
  if (view.status === null) return "-";
  const steps = workSteps(view.status.steps);
  const done = steps.filter((step) => step.status === "completed").length;
  const failed = steps.filter((step) => step.status === "failed").length;
  return `${done}/${steps.length}${failed > 0 ? ` (${failed} failed)` : ""}`;
}

function lineJson(entry: RunView | BrokenRun, context: RunJsonContext): PsLineJson {
  if ("meta" in entry) return { ...runJson(entry, context), steps: entry.status?.steps ?? [] };
  return {
    runId: entry.runId,
    shortId: context.shortId(entry.runId),
    state: "unreadable",
    error: entry.error.message,
    directory: entry.directory,
  };
}

/** Readable and unreadable runs in one list, newest first (run ids sort by start time). */
function newestFirst(runs: RunView[], broken: BrokenRun[]): (RunView | BrokenRun)[] {
  return [...runs, ...broken].sort((a, b) => (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
}

/** The states asked for with --state (repeated, or comma-separated); undefined for all. */
function parseStates(value: unknown): Set<RunClassification> | undefined {
  if (value === undefined) return undefined;
  const words = (Array.isArray(value) ? value : [value])
    .flatMap((item) => String(item).split(","))
    .map((word) => word.trim().toLowerCase())
    .filter((word) => word !== "");
  const valid = RUN_CLASSIFICATIONS.join(", ");
  if (words.length === 0) throw new UsageError("--state needs a state", `valid states: ${valid}`);
  const states = new Set<RunClassification>();
  for (const word of words) {
    const state = RUN_CLASSIFICATIONS.find((known) => known === word);
    if (state === undefined)
      throw new UsageError(`unknown state "${word}" for --state`, `valid states: ${valid}`);
    states.add(state);
  }
  return states;
}

function printTable(output: Output, runs: RunView[], context: RunJsonContext): void {
  const rows: TableRow[] = [
    headerRow(["ID", "WORKFLOW", "STATE", "STARTED", "DURATION", "HOST", "STEPS", "WHY"]),
  ];
  for (const view of runs) {
    const elsewhere = view.meta.startedOn !== context.host;
    const damaged = view.timeline?.state === "damaged";
    const jobs = context.slurmJobsGoing?.get(view.runId) ?? [];
    const reason = shortRunReason(view);
    // A crashed run whose Slurm jobs go on: that first, it is what to act on (resume adopts them).
    const live = jobs.length === 1 ? "1 Slurm job live" : `${jobs.length} Slurm jobs live`;
    const why = jobs.length === 0 ? reason : reason === "" ? live : `${live}; ${reason}`;
    rows.push({
      cells: [
        context.shortId(view.runId),
        view.meta.workflowName,
        `${view.classification}${damaged ? DAMAGED_MARK : ""}`,
        ago(view.meta.startedAt, context.now),
        formatDuration(runDurationMs(view, context.now)),
        `${view.meta.startedOn}${elsewhere ? OTHER_HOST_MARK : ""}`,
        stepsCell(view),
        damaged ? `timeline damaged${why === "" ? "" : `; ${why}`}` : why,
      ],
      styles: [
        undefined,
        "bold",
        STATE_STYLE[view.classification],
        undefined,
        undefined,
        elsewhere ? "yellow" : undefined,
        undefined,
        "dim",
      ],
    });
  }
  output.out(`${renderTable(output, rows)}\n`);
  const damaged = runs.find((view) => view.timeline?.state === "damaged");
  if (damaged !== undefined) {
    output.err(
      paint(
        output,
        "yellow",
        `(${DAMAGED_MARK} the run's timeline, run_summary.jsonl, is damaged: something other than the executor wrote to it, and a run-end after the damage is not believed; runyard show ${context.shortId(damaged.runId)} names the line)\n`,
      ),
    );
  }
  if (runs.some((view) => view.meta.startedOn !== context.host)) {
    output.err(
      paint(
        output,
        "dim",
        `(${OTHER_HOST_MARK} started on another host than ${context.host}: judged by its heartbeat; live updates only there)\n`,
      ),
    );
  }
}

/** Prints each run's problems and each unreadable run as a warning on stderr. */
function printWarnings(output: Output, runs: RunView[], broken: BrokenRun[]): void {
  const warning = paint(output, "yellow", "warning:");
  for (const view of runs) {
    for (const problem of view.problems) {
      // Problems name their file by its full path; inside the run directory the name will do.
      const short = problem.startsWith(`${view.directory}/`)
        ? problem.slice(view.directory.length + 1)
        : problem;
      output.err(`${warning} run ${view.runId}: ${safeText(short)}\n`);
    }
  }
  for (const entry of broken) {
    output.err(`${warning} unreadable run ${entry.runId}: ${safeText(entry.error.message)}\n`);
  }
}

/** `runyard ps`, once its flags are parsed (its help and flags: command-table/ps.ts). */
export const run: CommandRun = async (values, positionals, context) => {
  refuseExtraArguments(positionals, "runyard ps [options]");
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 0)
    throw new UsageError(`--limit expects a whole number, got "${values.limit}"`);
  const states = parseStates(values.state);
  const runsRoot = await runsRootFor(values, context);
  const { output } = context;
  const host = shortHostname(context.env);
  const list = await listRuns(runsRoot, {
    limit,
    host,
    readEnd: true,
    ...(states === undefined ? {} : { filter: (view) => states.has(view.classification) }),
  });
  const jobs = await slurmJobsLeft(list.runs, context.env);
  const jsonContext: RunJsonContext = {
    host,
    now: Date.now(),
    shortId: shortRunIds(list.runIds),
    slurmJobs: jobs.byRun,
    slurmJobsGoing: jobs.going,
  };
  if (values.json === true) {
    for (const entry of newestFirst(list.runs, list.broken)) {
      output.out(`${JSON.stringify(lineJson(entry, jsonContext))}\n`);
    }
    return EXIT.ok;
  }
  if (list.total === 0) {
    output.err(`no runs in ${tildify(runsRoot)}; start one with: runyard run <workflow.yaml>\n`);
    return EXIT.ok;
  }
  if (list.runs.length > 0) printTable(output, list.runs, jsonContext);
  else if (states !== undefined) {
    output.err(`no ${[...states].join(" or ")} runs in ${tildify(runsRoot)}\n`);
  }
  if (list.unread > 0) {
    const note =
      states === undefined
        ? `(${list.unread} older runs not shown; -n 0 shows all)`
        : `(${list.unread} older runs not searched; -n 0 searches all)`;
    output.err(paint(output, "dim", `${note}\n`));
  }
  printWarnings(output, list.runs, list.broken);
  if (jobs.problem !== undefined)
    output.err(`${paint(output, "yellow", "warning:")} ${safeText(jobs.problem)}\n`);
  return EXIT.ok;
};
