import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RunEvent } from "@runyard/protocol";
import { RunMetaSchema, RunStatusSchema } from "@runyard/schema";
import { readSummary } from "@runyard/store";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import {
  EventLog,
  killSession,
  livingGroupMembers,
  livingSessionMembers,
  startCancellable,
  started,
  workflowFile,
} from "../test/helpers.js";
import { RunAbortedError } from "./errors.js";
import { killAllNow } from "./live-runs.js";
import { runWorkflow } from "./run-workflow.js";

/** The step's session and process group id, which its first output line (`echo $$`) gives. */
async function groupOf(log: EventLog, stepId: string): Promise<number> {
  const line = await log.next(
    (event) => event.type === "step-output" && event.stepId === stepId && event.data.endsWith("\n"),
  );
  const group = Number(line.type === "step-output" ? line.data : Number.NaN);
  expect(group).toBeGreaterThan(1);
  // Whatever the test leaves behind dies with it.
  onTestFinished(() => killSession(group));
  return group;
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));

describe("cancelling a run", () => {
  it("kills a sleeping step's process group quickly; pending steps are cancelled", async () => {
    const began = performance.now();
    const { log, controller, running } = startCancellable(`steps:
  nap:
    run: echo $$; sleep 30 & sleep 30; wait
  after:
    needs: nap
    run: echo never
`);
    const pid = await log.next((event) => event.type === "step-output");
    controller.abort("interrupted (SIGINT)");
    const result = await running;
    // Far below the 30 s the sleeps would take: cancelled, not waited for.
    expect(performance.now() - began).toBeLessThan(15_000);
    // The whole process group is gone, the background sleep included.
    const group = Number(pid.type === "step-output" ? pid.data : Number.NaN);
    expect(group).toBeGreaterThan(1);
    expect(livingGroupMembers(group)).toEqual([]);
    expect(result.finalStatus).toBe("cancelled");
    expect(result.status.steps).toMatchObject([
      {
        nodeId: "nap",
        status: "cancelled",
        signal: "SIGTERM",
        exitCode: null,
        reason: "interrupted (SIGINT)",
      },
      {
        nodeId: "after",
        status: "cancelled",
        reason: "not started: the run was cancelled (interrupted (SIGINT))",
      },
    ]);
    // A step that never ran took no time and has no captures (the CLI prints no duration).
    const after = log.events.find((event) => event.type === "step-end" && event.stepId === "after");
    expect(after).toMatchObject({ durationMs: 0, exitCode: null, signal: null });
    expect(after).not.toHaveProperty("captureSeq");
    const meta = RunMetaSchema.parse(
      JSON.parse(readFileSync(join(result.runDirectory, "meta.json"), "utf8")),
    );
    expect(meta.finalStatus).toBe("cancelled");
    const { events } = await readSummary(join(result.runDirectory, "run_summary.jsonl"));
    expect(events.at(-1)).toMatchObject({
      type: "run-end",
      finalStatus: "cancelled",
      reason: "interrupted (SIGINT)",
    });
  });

  it("escalates to SIGKILL when a step ignores SIGTERM", async () => {
    const { log, controller, running } = startCancellable(
      `steps:
  stubborn:
    run: trap '' TERM; echo ready; sleep 30
`,
      { killGraceMs: 200 },
    );
    // Once "ready" is out, the trap is set.
    await log.next((event) => event.type === "step-output" && event.data === "ready\n");
    controller.abort();
    const result = await running;
    expect(result.finalStatus).toBe("cancelled");
    expect(result.status.steps[0]).toMatchObject({
      status: "cancelled",
      signal: "SIGKILL",
      reason: "cancelled",
    });
  });

  it("kills a descendant that ignores SIGTERM, after the step's main process has exited", async () => {
    // The descendant does not hold the output pipes (as a daemon would not), so the step's
    // main process exiting at the SIGTERM is the end of its output: the SIGKILL after the
    // grace period must still go to the group.
    const { directory, log, controller, running } = startCancellable(
      `steps:
  serve:
    run: echo $$; ( trap '' TERM; touch trapped; exec sleep 300 ) >/dev/null 2>&1 & sleep 300
`,
      { killGraceMs: 300 },
    );
    const group = await groupOf(log, "serve");
    await vi.waitFor(() => expect(existsSync(join(directory, "trapped"))).toBe(true));
    controller.abort("interrupted (SIGINT)");
    const result = await running;
    expect(livingGroupMembers(group)).toEqual([]);
    expect(result.status.steps[0]).toMatchObject({ status: "cancelled", signal: "SIGTERM" });
    // The step ended when its last process did, not when its shell did.
    const end = log.events.find((event) => event.type === "step-end");
    expect(end?.type === "step-end" && end.durationMs).toBeGreaterThanOrEqual(300);
  });

  it("reaches processes that GNU timeout moved to a process group of their own", async () => {
    // timeout calls setpgid: it and its child leave the step's group, not its session. (The
    // `echo` after it keeps bash from exec'ing timeout, which would then lead the session.)
    const { log, controller, running } = startCancellable(`steps:
  hpc:
    run: echo $$; timeout 120 sleep 121; echo never
`);
    const session = await groupOf(log, "hpc");
    await vi.waitFor(() =>
      expect(
        livingSessionMembers(session).filter((member) => member.group !== session),
      ).toHaveLength(2),
    );
    controller.abort("interrupted (SIGINT)");
    const result = await running;
    expect(livingSessionMembers(session)).toEqual([]);
    expect(result.status.steps[0]).toMatchObject({ status: "cancelled", signal: "SIGTERM" });
  });

  it("SIGKILLs what ignores SIGTERM in another process group of the step, after the grace period", async () => {
    // timeout passes the SIGTERM on to the inner shell, which ignores it, and waits for it.
    const { directory, log, controller, running } = startCancellable(
      `steps:
  hpc:
    run: echo $$; timeout 120 bash -c "trap '' TERM; touch trapped; sleep 121"; echo never
`,
      { killGraceMs: 300 },
    );
    const session = await groupOf(log, "hpc");
    await vi.waitFor(() => expect(existsSync(join(directory, "trapped"))).toBe(true));
    controller.abort("interrupted (SIGINT)");
    const result = await running;
    expect(livingSessionMembers(session)).toEqual([]);
    expect(result.status.steps[0]).toMatchObject({ status: "cancelled" });
    // The step ended when its last process did, at the SIGKILL.
    const end = log.events.find((event) => event.type === "step-end");
    expect(end?.type === "step-end" && end.durationMs).toBeGreaterThanOrEqual(300);
  });

  // How much CPU the stopping takes, and how close to the deadline the SIGKILL lands, is
  // measured by bench/cancel.js (timing has no place in a test on a shared machine).
  it("stops many stubborn steps at once, SIGKILLing them after the grace period", async () => {
    const count = 40;
    const steps = Array.from(
      { length: count },
      (_, index) => `  s${index}:\n    run: trap '' TERM; echo $$; sleep 120\n`,
    );
    const { log, controller, running } = startCancellable(`steps:\n${steps.join("")}`, {
      maxParallel: count,
      killGraceMs: 1000,
    });
    // Once a step's pid is out, its trap is set.
    const sessions = await Promise.all(steps.map((_, index) => groupOf(log, `s${index}`)));
    const began = performance.now();
    controller.abort();
    const result = await running;
    const elapsed = performance.now() - began;
    expect(result.status.steps.every((step) => step.signal === "SIGKILL")).toBe(true);
    expect(sessions.flatMap(livingSessionMembers)).toEqual([]);
    // Not before the grace period, and not after the 120 s the sleeps would take.
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(30_000);
  });

  it("leaves alone what a step that ended on its own left running", async () => {
    const { file, runsRoot } = workflowFile(`steps:
  start-server:
    run: echo $$; sleep 300 >/dev/null 2>&1 &
`);
    const log = new EventLog();
    const result = await runWorkflow({
      workflowFile: file,
      runsRoot,
      onEvent: log.onEvent,
      output: true,
    });
    const group = await groupOf(log, "start-server");
    expect(result.finalStatus).toBe("success");
    expect(livingGroupMembers(group)).toHaveLength(1);
  });

  it("killAllNow kills every step at once and records the run as cancelled, synchronously", async () => {
    const { runsRoot, log, controller, running } = startCancellable(
      `steps:
  stubborn:
    run: trap '' TERM; echo $$; sleep 120
  later:
    needs: stubborn
    run: echo never
`,
      { killGraceMs: 60_000 },
    );
    const group = await groupOf(log, "stubborn");
    const start = await log.next(started("stubborn"));
    const directory = join(runsRoot, start.runId);
    // A first Ctrl-C: SIGTERM, which the step ignores; then the second: exit at once.
    controller.abort("interrupted (SIGINT)");
    killAllNow("interrupted again: exited at once");

    // Everything below was written before killAllNow returned.
    const meta = RunMetaSchema.parse(readJson(join(directory, "meta.json")));
    expect(meta.finalStatus).toBe("cancelled");
    expect(meta.endedAt).not.toBeNull();
    const status = RunStatusSchema.parse(readJson(join(directory, "status.json")));
    expect(status.steps.map((step) => [step.nodeId, step.status, step.reason])).toEqual([
      ["stubborn", "cancelled", "interrupted again: exited at once"],
      ["later", "cancelled", "not started: the run was cancelled (interrupted (SIGINT))"],
    ]);
    const summary = await readSummary(join(directory, "run_summary.jsonl"));
    expect(summary.problems).toEqual([]);
    expect(summary.events.at(-1)).toMatchObject({
      type: "run-end",
      finalStatus: "cancelled",
      reason: "interrupted (SIGINT)",
    });
    expect(status.seq).toBe(summary.events.at(-1)?.seq);
    expect(existsSync(join(directory, "ipc.sock"))).toBe(false);
    // SIGKILL was sent; the kernel finishes the processes off a moment later.
    await vi.waitFor(() => expect(livingGroupMembers(group)).toEqual([]));

    // The run's promise still settles, and nothing is recorded twice.
    const result = await running;
    expect(result.finalStatus).toBe("cancelled");
    const after = await readSummary(join(directory, "run_summary.jsonl"));
    expect(after.events).toEqual(summary.events);
    expect(RunMetaSchema.parse(readJson(join(directory, "meta.json")))).toEqual(meta);
    const ends = log.events.filter((event: RunEvent) => event.type === "run-end");
    expect(ends).toHaveLength(1);
  });

  it("killAllNow keeps a failure an if: failure step handled handled: the run is cancelled, not failed", async () => {
    const { runsRoot, log, controller, running } = startCancellable(
      `steps:
  solve:
    run: exit 1
  fallback:
    needs: solve
    if: failure
    run: echo fallback
  stubborn:
    run: trap '' TERM; echo $$; sleep 120
`,
      { killGraceMs: 60_000, maxParallel: 1 },
    );
    await log.next((event) => event.type === "step-end" && event.stepId === "fallback");
    await groupOf(log, "stubborn");
    const start = await log.next(started("stubborn"));
    const directory = join(runsRoot, start.runId);
    controller.abort("interrupted (SIGINT)");
    killAllNow("interrupted again: exited at once");

    const summary = await readSummary(join(directory, "run_summary.jsonl"));
    expect(summary.problems).toEqual([]);
    expect(summary.events.at(-1)).toMatchObject({
      type: "run-end",
      finalStatus: "cancelled",
      reason: "interrupted (SIGINT)",
      handled: { solve: ["fallback"] },
    });
    const status = RunStatusSchema.parse(readJson(join(directory, "status.json")));
    expect(status.steps[0]).toMatchObject({ nodeId: "solve", handledBy: ["fallback"] });
    expect((await running).finalStatus).toBe("cancelled");
  });

  it("killAllNow reaches processes that left the step's process group", async () => {
    const { file, runsRoot } = workflowFile(`steps:
  hpc:
    run: echo $$; timeout 120 sleep 121; echo never
`);
    const log = new EventLog();
    const running = runWorkflow({
      workflowFile: file,
      runsRoot,
      onEvent: log.onEvent,
      output: true,
    });
    const session = await groupOf(log, "hpc");
    await vi.waitFor(() =>
      expect(
        livingSessionMembers(session).filter((member) => member.group !== session),
      ).toHaveLength(2),
    );
    killAllNow("interrupted again: exited at once");
    // SIGKILL was sent; the kernel finishes the processes off a moment later.
    await vi.waitFor(() => expect(livingSessionMembers(session)).toEqual([]));
    expect((await running).finalStatus).toBe("cancelled");
  });

  it("starts nothing when the signal has already fired", async () => {
    const { file, runsRoot } = workflowFile("steps:\n  a: {run: echo a}\n");
    const controller = new AbortController();
    controller.abort();
    await expect(
      runWorkflow({ workflowFile: file, runsRoot, signal: controller.signal }),
    ).rejects.toBeInstanceOf(RunAbortedError);
  });
});
