// What the API changes, on real detached runs: start one from a workflow file, cancel a step
// and the run over its socket, resume it, remove it, apply the retention plan; and closing the
// server stops no run.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readRun } from "@runyard/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type GuiServer,
  LaunchResponseSchema,
  RunDetailSchema,
  startGuiServer,
} from "../src/index.js";

let scratch: string;
let runsRoot: string;
let gui: GuiServer;
let env: NodeJS.ProcessEnv;
const started: string[] = [];

function api(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${gui.port}${path}`, {
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${gui.token}`,
      ...(init.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
}

async function detail(runId: string) {
  return RunDetailSchema.parse(await (await api(`/api/runs/${runId}`)).json());
}

/** Polls the API until the run shows what `check` wants (bounded). */
async function until(
  runId: string,
  check: (run: Awaited<ReturnType<typeof detail>>) => boolean,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await detail(runId);
    if (check(run)) return run;
    if (Date.now() > deadline)
      throw new Error(`run ${runId} never got there: ${JSON.stringify(run.run)}`);
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
  }
}

const stepStatus = (run: Awaited<ReturnType<typeof detail>>, step: string) =>
  run.status?.steps.find((entry) => entry.nodeId === step)?.status;

async function launch(workflowFile: string, params?: Record<string, string>) {
  const response = await api("/api/runs", { method: "POST", body: { workflowFile, params } });
  expect(response.status, await response.clone().text()).toBe(201);
  const launched = LaunchResponseSchema.parse(await response.json());
  started.push(launched.runId);
  return launched;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "runyard-gui-actions-"));
  runsRoot = join(scratch, "runs");
  // A Runyard home of the test's own, whose config has a hook: runs the GUI starts get it.
  env = { ...process.env, RUNYARD_HOME: join(scratch, "home") };
  mkdirSync(join(scratch, "home"));
  writeFileSync(
    join(scratch, "home", "config.yaml"),
    `hooks:\n  - on: run-end\n    run: cat >> ${join(scratch, "hook.jsonl")}\n`,
  );
  gui = await startGuiServer({
    runsRoot,
    env: { ...process.env, RUNYARD_HOME: join(scratch, "home") },
  });
});

afterAll(async () => {
  // Leave no executor behind, whatever failed.
  for (const runId of started) {
    await api(`/api/runs/${runId}/cancel`, { method: "POST", body: { force: true } }).catch(
      () => undefined,
    );
  }
  await gui?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe("actions", () => {
  it("starts a run with params, cancels a step, then the run; resumes it; removes it", async () => {
    const marker = join(scratch, "resumed");
    const workflow = join(scratch, "wait.yaml");
    writeFileSync(
      workflow,
      [
        "name: wait",
        "params:",
        "  greeting: { description: what main says }",
        "steps:",
        "  side: { run: 'sleep 30' }",
        `  main: { run: 'echo "$greeting"; if [ ! -e ${marker} ]; then sleep 30; fi' }`,
        "",
      ].join("\n"),
    );
    const bad = await api("/api/runs", { method: "POST", body: { workflowFile: workflow } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "E_PARAMS" } });

    const { runId } = await launch(workflow, { greeting: "hello-gui" });
    await until(
      runId,
      (run) => stepStatus(run, "side") === "running" && stepStatus(run, "main") === "running",
    );
    const out = await api(`/api/runs/${runId}/steps/main/captures`);
    expect(await out.text()).toBe("hello-gui\n");

    // Removing a running run is refused.
    const busy = await api(`/api/runs/${runId}`, { method: "DELETE" });
    expect(busy.status).toBe(409);
    expect(await busy.json()).toMatchObject({ error: { code: "E_RUN_RUNNING" } });
    const resumeBusy = await api(`/api/runs/${runId}/resume`, { method: "POST" });
    expect(resumeBusy.status).toBe(409);

    const unknown = await api(`/api/runs/${runId}/cancel`, {
      method: "POST",
      body: { step: "nope" },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "E_UNKNOWN_STEP" } });

    const step = await api(`/api/runs/${runId}/cancel`, { method: "POST", body: { step: "side" } });
    expect(step.status).toBe(202);
    expect(await step.json()).toEqual({ accepted: true });
    // A step cancelled alone ends as the executor records it (failed, by the cancel).
    await until(runId, (run) => stepStatus(run, "side") !== "running");
    expect(stepStatus(await detail(runId), "main")).toBe("running");

    const whole = await api(`/api/runs/${runId}/cancel`, { method: "POST", body: {} });
    expect(whole.status).toBe(202);
    const ended = await until(runId, (run) => run.run.state !== "running");
    expect(ended.run.state).toBe("cancelled");

    const again = await api(`/api/runs/${runId}/cancel`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: "E_RUN_ENDED" } });

    writeFileSync(marker, "");
    const resumed = await api(`/api/runs/${runId}/resume`, { method: "POST" });
    expect(resumed.status, await resumed.clone().text()).toBe(202);
    expect(await resumed.json()).toMatchObject({ runId });
    // `side` sleeps again on resume: cancel it, and the run ends failed or cancelled, not running.
    await until(runId, (run) => stepStatus(run, "main") === "completed");
    await api(`/api/runs/${runId}/cancel`, { method: "POST", body: { step: "side", force: true } });
    const final = await until(runId, (run) => run.run.state !== "running");
    expect(["failed", "cancelled"]).toContain(final.run.state);

    const removed = await api(`/api/runs/${runId}`, { method: "DELETE" });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toMatchObject({ runId, workflowName: "wait" });
    expect(existsSync(join(runsRoot, runId))).toBe(false);
    expect((await api(`/api/runs/${runId}`)).status).toBe(404);
  }, 60_000);

  it("starts a run with the user's hooks, and says when it leaves a project's out", async () => {
    const project = join(scratch, "project");
    mkdirSync(project);
    writeFileSync(join(project, ".runyard.yaml"), "hooks:\n  - on: run-end\n    run: 'true'\n");
    const workflow = join(project, "hooked.yaml");
    writeFileSync(workflow, "name: hooked\nsteps:\n  a: { run: 'true' }\n");
    const response = await api("/api/runs", { method: "POST", body: { workflowFile: workflow } });
    expect(response.status).toBe(201);
    const launched = LaunchResponseSchema.parse(await response.json());
    started.push(launched.runId);
    expect(launched.warnings).toEqual([
      expect.stringMatching(/^ignoring the hooks of .*\.runyard\.yaml: you have not trusted it/),
    ]);
    await until(launched.runId, (run) => run.run.state === "success");
    const deadline = Date.now() + 10_000;
    while (!readFileSync(join(scratch, "hook.jsonl"), { flag: "a+" }).includes(launched.runId)) {
      if (Date.now() > deadline) throw new Error("the user's hook never ran");
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
    }
  }, 30_000);

  it("refuses bad bodies: not JSON, unknown fields, a relative workflow path", async () => {
    const notJson = await fetch(`http://127.0.0.1:${gui.port}/api/runs`, {
      method: "POST",
      headers: { authorization: `Bearer ${gui.token}` },
      body: "{",
    });
    expect(notJson.status).toBe(400);
    for (const body of [{ workflowFile: "wf.yaml" }, { workflowFile: "/x.yaml", extra: 1 }, []]) {
      const response = await api("/api/runs", { method: "POST", body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: "E_BAD_REQUEST" } });
    }
    const big = await api("/api/retention/apply", {
      method: "POST",
      body: { runIds: ["x".repeat(70_000)] },
    });
    expect(big.status).toBe(413);
  });

  it("applies the retention plan, or only its removals of the runs named", async () => {
    const quick = join(scratch, "quick.yaml");
    writeFileSync(quick, "name: quick\nsteps:\n  a: { run: 'true' }\n");
    const first = await launch(quick);
    const second = await launch(quick);
    for (const { runId } of [first, second])
      await until(runId, (run) => run.run.state === "success");
    const plan = (await (await api("/api/retention")).json()) as {
      remove: { runId: string; state: string }[];
      keep: { runId: string }[];
    };
    // The default policy: success and cancelled runs go (earlier tests' too), others stay.
    expect(plan.remove.map((decision) => decision.runId)).toEqual(
      expect.arrayContaining([first.runId, second.runId]),
    );
    expect(plan.remove.every((decision) => ["success", "cancelled"].includes(decision.state))).toBe(
      true,
    );
    const some = await api("/api/retention/apply", {
      method: "POST",
      body: { runIds: [first.runId] },
    });
    expect(some.status).toBe(200);
    const result = (await some.json()) as { removed: { runId: string }[]; freedBytes: number };
    expect(result.removed.map((run) => run.runId)).toEqual([first.runId]);
    expect(result.freedBytes).toBeGreaterThan(0);
    expect(existsSync(join(runsRoot, second.runId))).toBe(true);
    const rest = await api("/api/retention/apply", { method: "POST" });
    expect(
      ((await rest.json()) as { removed: { runId: string }[] }).removed.map((run) => run.runId),
    ).toContain(second.runId);
    expect(existsSync(join(runsRoot, second.runId))).toBe(false);
    expect(((await (await api("/api/retention")).json()) as typeof plan).remove).toEqual([]);
  }, 60_000);

  it("closing the server stops no run; a new server cancels it", async () => {
    const workflow = join(scratch, "long.yaml");
    writeFileSync(workflow, "name: long\nsteps:\n  nap: { run: 'sleep 30' }\n");
    const { runId, directory } = await launch(workflow);
    await until(runId, (run) => stepStatus(run, "nap") === "running");
    await gui.close();
    expect((await readRun(directory)).classification).toBe("running");
    gui = await startGuiServer({ runsRoot, env });
    expect((await detail(runId)).run.state).toBe("running");
    expect((await api(`/api/runs/${runId}/cancel`, { method: "POST" })).status).toBe(202);
    expect((await until(runId, (run) => run.run.state !== "running")).run.state).toBe("cancelled");
  }, 60_000);
});
