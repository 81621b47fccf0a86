// `runyard show RUN`: one run in full — who started it where and when, its state and why it
// ended, its params, a table of its steps with their capture files, and where its directory is.
import {
  type CaptureFile,
  listRunIds,
  type RunView,
  readReturnValue,
  readRun,
  resolveRunReference,
  scanCaptures,
  shortHostname,
  shortRunIds,
} from "@runyard/store";
import type { CommandRun } from "../command.js";
import { damageWords, runClockEnd, STATE_STYLE, stepDurationMs } from "../describe-run.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import type { SlurmJobJson } from "../json/run.js";
import type { ShowJson, ShowStepJson } from "../json/show.js";
import { ago, formatBytes, formatDuration, type Output, paint, tildify } from "../output.js";
import { runJson } from "../run-json.js";
import { runsRootFor } from "../runs-root.js";
import { safeText } from "../safe-text.js";
import { jobsWords, slurmJobsLeft } from "../slurm-jobs.js";
import { headerRow, renderTable, type TableRow } from "../table.js";

function stepsJson(view: RunView, captures: CaptureFile[], clockEnd: number): ShowStepJson[] {
  return (view.status?.steps ?? []).map((step) => ({
    id: step.nodeId,
    name: step.name,
    status: step.status,
    attempt: step.attempt ?? null,
    exitCode: step.exitCode ?? null,
    signal: step.signal ?? null,
    startedAt: step.startedAt ?? null,
    endedAt: step.endedAt ?? null,
    durationMs: stepDurationMs(step, clockEnd),
    reason: step.reason ?? null,
    outputs: step.outputs ?? {},
    handledBy: step.handledBy ?? [],
    captures: captures
      .filter((capture) => capture.stepId === step.nodeId)
      .map(({ name, path, stream, seq, size }) => ({ name, path, stream, seq, size })),
  }));
}

/** A step's note: its reason, when the other columns do not already say it. */
function stepNote(step: ShowStepJson): string {
  if (step.handledBy.length > 0) return `handled by ${step.handledBy.join(", ")}`;
  if (step.reason === null || step.status === "completed") return "";
  if (step.exitCode === null && step.signal === null) return step.reason;
  // A step failed for a reason of the executor's (its timeout), not just its exit: say it.
  if (step.status === "failed" && !/^(exited with code|killed by) /.test(step.reason)) {
    return step.reason;
  }
  return "";
}

function stepTable(output: Output, steps: ShowStepJson[]): string {
  const notes = steps.some((step) => stepNote(step) !== "");
  const rows: TableRow[] = [
    headerRow([
      "STEP",
      "STATUS",
      "ATTEMPT",
      "EXIT",
      "DURATION",
      "OUTPUT",
      ...(notes ? ["NOTE"] : []),
    ]),
  ];
  for (const step of steps) {
    const ending = step.signal ?? (step.exitCode === null ? undefined : String(step.exitCode));
    rows.push({
      cells: [
        step.id,
        step.status,
        step.attempt === null ? "-" : String(step.attempt),
        ending ?? "-",
        step.durationMs === null ? "-" : formatDuration(step.durationMs),
        step.captures.map((capture) => `${capture.name} ${formatBytes(capture.size)}`).join(", ") ||
          "-",
        ...(notes ? [stepNote(step)] : []),
      ],
      styles: [
        "bold",
        STATE_STYLE[step.status === "completed" ? "success" : step.status],
        undefined,
        undefined,
        undefined,
        undefined,
        "dim",
      ],
    });
  }
  return renderTable(output, rows);
}

function printShow(
  output: Output,
  json: ShowJson,
  going: readonly SlurmJobJson[],
  host: string,
  now: number,
): void {
  const label = (name: string) => paint(output, "dim", name.padEnd(10));
  const lines: string[] = [];
  lines.push(`${label("run")}${json.runId}  ${paint(output, "dim", `(${json.shortId})`)}`);
  lines.push(
    `${label("workflow")}${paint(output, "bold", safeText(json.workflowName))}  ${safeText(json.workflowFile)}`,
  );
  const state = paint(output, STATE_STYLE[json.state] ?? "bold", json.state);
  lines.push(`${label("state")}${state}: ${safeText(json.reason)}`);
  const jobs = jobsWords(going);
  if (jobs !== "") lines.push(`${label("jobs")}${paint(output, "yellow", safeText(jobs))}`);
  const { damage } = json.timeline;
  if (damage !== null) {
    const words = `run_summary.jsonl is damaged ${damageWords(damage)}`;
    lines.push(`${label("timeline")}${paint(output, "red", safeText(words))}`);
  }
  const live = json.state === "running" ? ": live updates only there" : "";
  const startedOn = safeText(json.startedOn);
  const where = json.otherHost
    ? `${startedOn} ${paint(output, "yellow", `(another host than ${host}${live})`)}`
    : startedOn;
  const who = json.user === null ? "" : ` by ${safeText(json.user)}`;
  const from = json.cwd === null ? "" : ` in ${safeText(tildify(json.cwd))}`;
  lines.push(
    `${label("started")}${json.startedAt} (${ago(json.startedAt, now)}) on ${where}${who}${from}`,
  );
  if (json.rerunOf !== null) {
    const short = paint(output, "dim", `(runyard show ${json.rerunOf.slice(-8)})`);
    lines.push(`${label("rerun of")}${json.rerunOf}  ${short}`);
  }
  const duration = formatDuration(json.durationMs);
  if (json.endedAt !== null) lines.push(`${label("ended")}${json.endedAt}, after ${duration}`);
  else if (json.state === "crashed")
    lines.push(`${label("last seen")}${json.lastSeenAt ?? "never"}, after ${duration}`);
  else lines.push(`${label("running")}for ${duration}`);
  const last = json.resumes.at(-1);
  if (last !== undefined) {
    const times = json.resumes.length === 1 ? "1 time" : `${json.resumes.length} times`;
    lines.push(
      `${label("resumed")}${times}, last ${last.at} (${ago(last.at, now)}; it was ${last.previous})`,
    );
  }
  const params = Object.entries(json.params);
  if (params.length > 0)
    lines.push(
      `${label("params")}${params.map(([name, value]) => safeText(`${name}=${value}`)).join(" ")}`,
    );
  if (json.returnValue !== null)
    lines.push(`${label("return")}${safeText(json.returnValue, { lines: true })}`);
  lines.push(`${label("directory")}${safeText(json.directory)}`);
  output.out(`${lines.join("\n")}\n\n`);
  if (json.steps.length === 0) {
    output.out(`${paint(output, "dim", "no steps yet: status.json has not been written")}\n`);
  } else output.out(`${stepTable(output, json.steps)}\n`);
  const failed = json.steps.find((step) => step.status === "failed" && step.captures.length > 0);
  const hint = failed === undefined ? "" : ` ${failed.id}`;
  output.err(paint(output, "dim", `output: runyard logs ${json.shortId}${hint}\n`));
  if (going.length > 0) {
    const ids = going.map((job) => job.jobId).join(" ");
    output.err(
      `${paint(output, "dim", "hint:")} Slurm jobs outlive their executor: runyard resume ${json.shortId} takes them over (watched again, not submitted again); scancel ${ids} stops them\n`,
    );
  }
  if (damage !== null) {
    output.err(
      `${paint(output, "dim", "hint:")} something other than the executor wrote to run_summary.jsonl (a step can: it knows the path). Believe meta.json, status.json and the captures over the timeline; a run-end after the damage was not taken. Keep the directory to find what wrote it; run the workflow again for a record you can trust.\n`,
    );
  }
}

/** `runyard show`, once its flags are parsed (its help and flags: command-table/show.ts). */
export const run: CommandRun = async (values, positionals, context) => {
  const [reference, ...extra] = positionals;
  if (reference === undefined)
    throw new UsageError("missing the run", `usage: ${context.command.usage}`);
  refuseExtraArguments(extra, context.command.usage);
  const runsRoot = await runsRootFor(values, context);
  const { directory } = await resolveRunReference(runsRoot, reference);
  const host = shortHostname(context.env);
  // One run: every line of its timeline is checked, not only its end.
  const view = await readRun(directory, { host, readEnd: true, timeline: "full" });
  const [{ captures, refused }, runIds] = await Promise.all([
    scanCaptures(directory),
    listRunIds(runsRoot),
  ]);
  const now = Date.now();
  const jobs = await slurmJobsLeft([view], context.env);
  // Entries named like a capture that are not read (a link, a pipe) are the run's problems too.
  const problems = [
    ...view.problems,
    ...refused.map((entry) => entry.error.message),
    ...(jobs.problem === undefined ? [] : [jobs.problem]),
  ];
  const json: ShowJson = {
    ...runJson(view, { host, now, shortId: shortRunIds(runIds), slurmJobs: jobs.byRun }),
    problems,
    workflowId: view.meta.workflowId,
    pid: view.meta.executor?.pid ?? view.meta.pid,
    user: view.meta.user ?? null,
    cwd: view.meta.cwd ?? null,
    runyardVersion: view.meta.runyardVersion ?? null,
    params: view.meta.params ?? {},
    rerunOf: view.meta.rerunOf ?? null,
    returnValue: await readReturnValue(directory),
    resumes: view.meta.resumes ?? [],
    steps: stepsJson(view, captures, runClockEnd(view, now)),
  };
  const { output } = context;
  if (values.json === true) {
    output.out(`${JSON.stringify(json)}\n`);
    return EXIT.ok;
  }
  printShow(output, json, jobs.going.get(view.runId) ?? [], host, now);
  const warning = paint(output, "yellow", "warning:");
  for (const problem of problems) output.err(`${warning} ${safeText(problem)}\n`);
  return EXIT.ok;
};
