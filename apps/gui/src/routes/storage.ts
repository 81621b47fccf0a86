// The runs root as a whole: disk usage (what `runyard du` shows) and the retention plan
// (what `runyard gc --dry-run` shows), each read fresh per request.
import {
  findRetentionPolicy,
  measureRuns,
  planRetention,
  type RetentionPlan,
} from "@runyard/store";
import type { Hono } from "hono";
import type { RetentionPlanResponse, UsageResponse } from "../api-schemas.js";
import type { ApiContext } from "./context.js";

export function registerStorage(app: Hono, context: ApiContext): void {
  app.get("/api/usage", async (c) => {
    const usage = await measureRuns(context.runsRoot);
    const body: UsageResponse = {
      runsRoot: usage.runsRoot,
      totalBytes: usage.totalBytes,
      runs: usage.runs.map((run) => ({
        runId: run.runId,
        state: run.state,
        workflowName: run.view?.meta.workflowName ?? null,
        startedAt: run.view?.meta.startedAt ?? null,
        bytes: run.bytes,
        problems: run.error === null ? run.problems : [run.error.message, ...run.problems],
      })),
      pendingRemovals: usage.pendingRemovals.map(({ runId, name, kind, bytes }) => ({
        runId,
        name,
        kind,
        bytes,
      })),
    };
    return c.json(body);
  });

  app.get("/api/retention", async (c) => c.json((await retentionPlan(context)).body));
}

/** The retention plan as gc makes it (the user's policy), and its JSON. */
export async function retentionPlan(
  context: ApiContext,
): Promise<{ plan: RetentionPlan; body: RetentionPlanResponse }> {
  const { policy, configFile } = await findRetentionPolicy({ env: context.env });
  const plan = await planRetention(context.runsRoot, policy);
  const decision = (d: (typeof plan.remove)[number]) => ({
    runId: d.runId,
    state: d.state,
    workflowName: d.workflowName,
    startedAt: d.startedAt,
    endedAt: d.endedAt,
    bytes: d.bytes,
    reason: d.reason,
  });
  const body: RetentionPlanResponse = {
    runsRoot: plan.runsRoot,
    configFile,
    policy: plan.policy as Record<string, unknown>,
    remove: plan.remove.map(decision),
    keep: plan.keep.map(decision),
    pendingRemovals: plan.pendingRemovals.map(({ runId, name, kind, bytes }) => ({
      runId,
      name,
      kind,
      bytes,
    })),
    totals: plan.totals,
  };
  return { plan, body };
}
