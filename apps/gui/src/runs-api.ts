// The runs list: each run reduced to what a list needs. Built from the store's read side, so
// the GUI shows exactly what `runyard ps` and integrators see.
import { listRuns, type RunView, type RunViewCache, workSteps } from "@runyard/store";
import { DEFAULT_RUNS_LIMIT, type RunRow, type RunsResponse } from "./api-schemas.js";

export function toRow(view: RunView, host: string): RunRow {
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
    otherHost: view.meta.startedOn !== host,
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

export interface RunsResponseOptions {
  /** The newest how many runs (default DEFAULT_RUNS_LIMIT). */
  limit?: number;
  /**
   * Views of ended runs kept between requests: a poll re-reads only the runs whose files
   * changed (and the running ones).
   */
  cache?: RunViewCache;
}

export async function runsResponse(
  runsRoot: string,
  host: string,
  options: RunsResponseOptions = {},
): Promise<RunsResponse> {
  const list = await listRuns(runsRoot, {
    limit: options.limit ?? DEFAULT_RUNS_LIMIT,
    ...(options.cache === undefined ? {} : { cache: options.cache }),
  });
  return {
    runsRoot,
    host,
    runs: list.runs.map((view) => toRow(view, host)),
    total: list.total,
    problems: list.broken.map((broken) => ({
      directory: broken.directory,
      message: broken.error.message,
    })),
  };
}
