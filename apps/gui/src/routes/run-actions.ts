// What the API changes: start a run, cancel it (or a step), resume it, remove it, apply the
// retention plan. Each goes through the same contract as the CLI — launchRun and resumeRun
// spawn a detached executor, a cancel travels over the run's ipc.sock, removals go through
// the store's removeRun — so the server holds no run: closing it stops none.
import { dirname } from "node:path";
import { launchRun, resumeRun } from "@runyard/executor";
import { connectRun, NoExecutorError } from "@runyard/ipc";
import {
  applyRetention,
  type ProjectConfigState,
  type RemovedRun,
  type RunView,
  removeRun,
  resolveHooks,
} from "@runyard/store";
import type { Hono } from "hono";
import { ApiError, errorBody } from "../api-error.js";
import {
  type CancelBody,
  CancelBodySchema,
  LaunchBodySchema,
  type LaunchResponse,
  ResumeBodySchema,
  RetentionApplyBodySchema,
  type RetentionApplyResponse,
} from "../api-schemas.js";
import { type ApiContext, findRun, jsonBody, parse } from "./context.js";
import { retentionPlan } from "./storage.js";

const CLIENT = "runyard-gui/0.1.0";

function removed(run: RemovedRun) {
  return { runId: run.runId, state: run.state, workflowName: run.workflowName, bytes: run.bytes };
}

/** Why a project config's hooks were left out of a run, as `runyard run` warns; [] if trusted. */
function ignoredHooks(project: ProjectConfigState): string[] {
  if (project.state === "trusted") return [];
  const why =
    project.state === "untrusted"
      ? "you have not trusted it (runyard trust)"
      : project.state === "changed"
        ? "it changed since you trusted it (runyard trust)"
        : `cannot read it: ${project.reason ?? "unknown reason"}`;
  return [`ignoring the hooks of ${project.file}: ${why}`];
}

/** A run whose socket cannot be reached from here is refused, with what to do instead. */
function refuseElsewhere(view: RunView, context: ApiContext, action: "cancel" | "resume"): void {
  if (view.meta.startedOn === context.host) return;
  const host = view.meta.startedOn;
  const short = view.runId.slice(-8);
  // A cancel can reach another host's executor over ssh; a resume starts one, there.
  const instead =
    action === "cancel" ? `runyard cancel --ssh ${short}` : `runyard resume ${short} on ${host}`;
  throw new ApiError(
    409,
    "E_RUN_ELSEWHERE",
    `run ${view.runId} ${action === "cancel" ? "runs" : "ran"} on ${host}; its executor answers only there`,
    { hint: `run runyard gui on ${host}, or: ${instead}` },
  );
}

async function cancel(view: RunView, body: CancelBody, context: ApiContext): Promise<void> {
  if (view.classification !== "running") {
    throw new ApiError(
      409,
      "E_RUN_ENDED",
      `run ${view.runId} is not running: ${view.classification}`,
    );
  }
  refuseElsewhere(view, context, "cancel");
  let client: Awaited<ReturnType<typeof connectRun>>;
  try {
    client = await connectRun(view.directory, {
      client: CLIENT,
      timeoutMs: 10_000,
      env: context.env,
    });
  } catch (error) {
    if (error instanceof NoExecutorError) {
      throw new ApiError(
        409,
        "E_RUN_ENDED",
        `run ${view.runId}: no executor answers (${error.message})`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  try {
    const answer = await client.cancel({
      reason: body.reason ?? "cancelled from the GUI",
      ...(body.step === undefined ? {} : { stepId: body.step }),
      ...(body.force === true ? { force: true } : {}),
    });
    if (!answer.accepted) {
      const code = answer.code === "E_UNKNOWN_STEP" ? 404 : 409;
      throw new ApiError(code, answer.code, `run ${view.runId}: ${answer.message}`);
    }
  } finally {
    await client.close();
  }
}

export function registerRunActions(app: Hono, context: ApiContext): void {
  app.post("/api/runs", async (c) => {
    const body = parse(LaunchBodySchema, await jsonBody(c), "body");
    // The user's hooks, and a trusted project's beside the workflow, as `runyard run` adds them.
    const { hooks, hooksParallel, project } = await resolveHooks(body.workflowFile, {
      env: context.env,
    });
    const warnings = project === undefined ? [] : ignoredHooks(project);
    const launched = await launchRun({
      workflowFile: body.workflowFile,
      runsRoot: context.runsRoot,
      env: context.env,
      cwd: dirname(body.workflowFile),
      client: CLIENT,
      ...(hooks.length === 0 ? {} : { hooks, hooksParallel }),
      ...(context.binDirectory === undefined ? {} : { binDirectory: context.binDirectory }),
      ...(body.params === undefined ? {} : { params: body.params }),
      ...(body.maxParallel === undefined ? {} : { maxParallel: body.maxParallel }),
    });
    const response: LaunchResponse = {
      runId: launched.runId,
      directory: launched.directory,
      pid: launched.pid,
      warnings,
    };
    return c.json(response, 201);
  });

  app.post("/api/runs/:id/cancel", async (c) => {
    const body = parse(CancelBodySchema, await jsonBody(c), "body");
    const view = await findRun(context, c.req.param("id"));
    await cancel(view, body, context);
    return c.json({ accepted: true as const }, 202);
  });

  app.post("/api/runs/:id/resume", async (c) => {
    parse(ResumeBodySchema, await jsonBody(c), "body");
    const view = await findRun(context, c.req.param("id"));
    if (view.classification === "running") {
      throw new ApiError(
        409,
        "E_RUN_RUNNING",
        `run ${view.runId} is running; there is nothing to resume`,
      );
    }
    refuseElsewhere(view, context, "resume");
    const resumed = await resumeRun({
      directory: view.directory,
      env: context.env,
      ...(context.binDirectory === undefined ? {} : { binDirectory: context.binDirectory }),
    });
    return c.json({ runId: resumed.runId, pid: resumed.pid }, 202);
  });

  app.delete("/api/runs/:id", async (c) => {
    const view = await findRun(context, c.req.param("id"));
    return c.json(removed(await removeRun(context.runsRoot, view.runId)));
  });

  app.post("/api/retention/apply", async (c) => {
    const body = parse(RetentionApplyBodySchema, await jsonBody(c), "body");
    const { plan } = await retentionPlan(context);
    if (body.runIds !== undefined) {
      const wanted = new Set(body.runIds);
      plan.remove = plan.remove.filter((decision) => wanted.has(decision.runId));
      plan.pendingRemovals = [];
    }
    const result = await applyRetention(plan);
    const response: RetentionApplyResponse = {
      removed: result.removed.map(removed),
      finishedRemovals: result.finishedRemovals.map(({ runId, bytes }) => ({ runId, bytes })),
      failed: result.failed.map((failure) => ({
        runId: failure.runId,
        error: errorBody(failure.error).error,
      })),
      freedBytes: result.freedBytes,
    };
    return c.json(response);
  });
}
