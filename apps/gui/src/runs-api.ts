// The JSON the page reads: each run reduced to what a list needs. Built from the store's read
// side, so the GUI shows exactly what `runyard ps` and integrators see.
import { listRuns, type RunView, type TimelineDamage, workSteps } from "@runyard/store";

export interface RunRow {
  runId: string;
  workflowName: string;
  workflowId: string;
  state: string;
  reason: string;
  startedAt: string;
  endedAt: string | null;
  startedOn: string;
  steps: { total: number; done: number; failed: number; running: number };
  /**
   * Whether run_summary.jsonl keeps its contract (docs/run-directory.md, "Timeline
   * integrity"): "damaged" with the first damage, "unchecked" without a readable summary.
   */
  timeline: { state: "intact" | "damaged" | "unchecked"; damage: TimelineDamage | null };
  /** What is wrong with the run's files, each naming its file (see RunView.problems). */
  problems: string[];
}

export interface RunsResponse {
  runsRoot: string;
  runs: RunRow[];
  /** How many runs the runs root holds; more than `runs` when the list was cut. */
  total: number;
  problems: { directory: string; message: string }[];
}

export function toRow(view: RunView): RunRow {
  const steps = workSteps(view.status?.steps ?? []);
  const count = (status: string) => steps.filter((step) => step.status === status).length;
  return {
    runId: view.runId,
    workflowName: view.meta.workflowName,
    workflowId: view.meta.workflowId,
    state: view.classification,
    reason: view.reason,
    startedAt: view.meta.startedAt,
    endedAt: view.endedAt,
    startedOn: view.meta.startedOn,
    steps: {
      total: steps.length,
      done: count("completed"),
      failed: count("failed"),
      running: count("running"),
    },
    timeline: {
      state: view.timeline?.state ?? "unchecked",
      damage: view.timeline?.damage ?? null,
    },
    problems: view.problems,
  };
}

/** The page refreshes every 2 s: it reads the newest runs only, as `runyard ps` does. */
export const GUI_RUN_LIMIT = 200;

export async function runsResponse(runsRoot: string): Promise<RunsResponse> {
  const list = await listRuns(runsRoot, { limit: GUI_RUN_LIMIT });
  return {
    runsRoot,
    runs: list.runs.map(toRow),
    total: list.total,
    problems: list.broken.map((broken) => ({
      directory: broken.directory,
      message: broken.error.message,
    })),
  };
}
