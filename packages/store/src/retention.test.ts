import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RetentionPolicySchema } from "@runyard/schema";
import { describe, expect, it } from "vitest";
import { fabricateRun, runStartLine, startMeta, temporaryDirectory } from "../test/helpers.js";
import { diskUsage } from "./disk-usage.js";
import { currentExecutorIdentity, shortHostname } from "./process-identity.js";
import { applyRetention, planRetention, type RetentionDecision } from "./retention.js";
import type { CreatedRunDirectory } from "./run-directory.js";

const DAY = 86_400_000;
const daysAgo = (days: number) => Date.now() - days * DAY;

/** Why each run is kept (or removed), by run id. */
function reasons(decisions: readonly RetentionDecision[]): Record<string, string> {
  return Object.fromEntries(decisions.map((decision) => [decision.runId, decision.reason]));
}

async function bytesOf(directory: string): Promise<number> {
  return (await diskUsage(directory)).bytes;
}

describe("planRetention and applyRetention", () => {
  it("by default removes success and cancelled runs, and finishes removals cut short", async () => {
    const root = temporaryDirectory();
    const success = await fabricateRun(root, { state: "success", outputBytes: 50_000 });
    const cancelled = await fabricateRun(root, { state: "cancelled", endedAt: daysAgo(3) });
    const failed = await fabricateRun(root, { state: "failed", endedAt: daysAgo(400) });
    const crashed = await fabricateRun(root, { state: "crashed", endedAt: daysAgo(400) });
    const running = await fabricateRun(root, { state: "running" });
    const unknown = await fabricateRun(root, { state: "unknown" });
    const unreadable = await fabricateRun(root, { state: "success" });
    writeFileSync(unreadable.paths.meta, "{");
    const pending = join(root, `.removing-${success.runId.replace(/.$/, "0")}-0123abcd`);
    mkdirSync(join(pending, "artifacts"), { recursive: true });
    writeFileSync(join(pending, "artifacts", "left.bin"), Buffer.alloc(30_000));
    // A run id entry that is a link to a run elsewhere: never listed, never touched.
    const elsewhere = temporaryDirectory();
    const linked = await fabricateRun(elsewhere, { state: "success" });
    symlinkSync(linked.directory, join(root, linked.runId));

    const plan = await planRetention(root);
    expect(
      plan.remove.map((decision) => [decision.runId, decision.state, decision.reason]),
    ).toEqual([
      [cancelled.runId, "cancelled", "retention.cancelled: delete"],
      [success.runId, "success", "retention.success: delete"],
    ]);
    expect(reasons(plan.keep)).toEqual({
      [failed.runId]: "retention.failed: keep",
      [crashed.runId]: "retention.crashed: keep",
      [running.runId]: "running; never removed",
      [unknown.runId]: `state unknown (started on elsewhere; no heartbeat to judge it by from ${shortHostname()}); never removed`,
      [unreadable.runId]: expect.stringMatching(
        /^unreadable \(.*meta\.json: invalid JSON.*\); never removed by gc$/,
      ),
    });
    expect(plan.pendingRemovals.map((removal) => removal.directory)).toEqual([pending]);
    const successBytes = await bytesOf(success.directory);
    const cancelledBytes = await bytesOf(cancelled.directory);
    const pendingBytes = await bytesOf(pending);
    expect(successBytes).toBeGreaterThan(50_000);
    expect(plan.totals.freedBytes).toBe(successBytes + cancelledBytes + pendingBytes);
    expect(plan.totals.keptRuns).toBe(5);
    expect(plan.totals.bytes).toBe(plan.totals.freedBytes + plan.totals.keptBytes);
    // Planning removes nothing.
    expect(readdirSync(root)).toHaveLength(9);

    const result = await applyRetention(plan);
    expect(result.failed).toEqual([]);
    expect(result.removed.map((removed) => removed.runId)).toEqual([
      cancelled.runId,
      success.runId,
    ]);
    expect(result.finishedRemovals.map((removal) => removal.directory)).toEqual([pending]);
    expect(result.freedBytes).toBe(plan.totals.freedBytes);
    expect(readdirSync(root).sort()).toEqual(
      [failed, crashed, running, unknown, unreadable, linked].map((run) => run.runId).sort(),
    );
    expect(readdirSync(linked.directory)).toContain("meta.json");
  });

  it("deletes runs once they ended longer ago than their outcome's duration", async () => {
    const root = temporaryDirectory();
    const policy = RetentionPolicySchema.parse({
      success: "7d",
      cancelled: "keep",
      failed: "30d",
      crashed: "1d",
    });
    const oldSuccess = await fabricateRun(root, { state: "success", endedAt: daysAgo(8) });
    const newSuccess = await fabricateRun(root, { state: "success", endedAt: daysAgo(2) });
    const oldFailed = await fabricateRun(root, { state: "failed", endedAt: daysAgo(40) });
    const newFailed = await fabricateRun(root, { state: "failed", endedAt: daysAgo(10) });
    // A crashed run's age counts from its last heartbeat.
    const oldCrash = await fabricateRun(root, { state: "crashed", endedAt: daysAgo(2) });
    const newCrash = await fabricateRun(root, {
      state: "crashed",
      endedAt: Date.now() - 3_600_000,
    });
    const oldCancel = await fabricateRun(root, { state: "cancelled", endedAt: daysAgo(100) });

    const plan = await planRetention(root, policy);
    expect(plan.remove.map((decision) => [decision.runId, decision.reason])).toEqual([
      [oldFailed.runId, "ended 40d ago, past retention.failed: 30d"],
      [oldSuccess.runId, "ended 8d ago, past retention.success: 7d"],
      [oldCrash.runId, "ended 2d ago, past retention.crashed: 1d"],
    ]);
    expect(reasons(plan.keep)).toEqual({
      [newSuccess.runId]: "ended 2d ago, within retention.success: 7d",
      [newFailed.runId]: "ended 10d ago, within retention.failed: 30d",
      [newCrash.runId]: "ended 1h ago, within retention.crashed: 1d",
      [oldCancel.runId]: "retention.cancelled: keep",
    });
    // The same runs, judged from a clock ten days on.
    const later = await planRetention(root, policy, { now: Date.now() + 10 * DAY });
    expect(later.remove.map((decision) => decision.runId).sort()).toEqual(
      [oldFailed, oldSuccess, newSuccess, oldCrash, newCrash].map((run) => run.runId).sort(),
    );
  });

  it("keeps a crashed run crashed when a step appended a run-end status.json does not confirm", async () => {
    const root = temporaryDirectory();
    const heartbeatAt = daysAgo(2);
    const crashed = await fabricateRun(root, { state: "crashed", endedAt: heartbeatAt });
    const forged = { runId: crashed.runId, seq: 2, ts: new Date().toISOString() };
    writeFileSync(
      crashed.paths.summary,
      runStartLine(crashed.runId) +
        `${JSON.stringify({ type: "run-end", ...forged, finalStatus: "success", durationMs: 1 })}\n`,
    );
    const plan = await planRetention(root);
    expect(plan.remove).toEqual([]);
    expect(plan.keep).toMatchObject([
      {
        runId: crashed.runId,
        state: "crashed",
        reason: "retention.crashed: keep",
        // Its last heartbeat, not the forged run-end's time.
        endedAt: new Date(heartbeatAt).toISOString(),
      },
    ]);
  });

  it("under maxTotalSize removes the runs that ended longest ago, never a running one", async () => {
    const root = temporaryDirectory();
    const size = 200_000;
    // Started in this order, but the second ended first.
    const runs = [];
    for (const [state, days] of [
      ["failed", 5],
      ["success", 9],
      ["crashed", 3],
      ["cancelled", 1],
      ["running", 0],
    ] as const) {
      runs.push(await fabricateRun(root, { state, endedAt: daysAgo(days), outputBytes: size }));
    }
    const [first, second, third, fourth, running] = runs as [
      CreatedRunDirectory,
      CreatedRunDirectory,
      CreatedRunDirectory,
      CreatedRunDirectory,
      CreatedRunDirectory,
    ];
    const bytes = new Map<string, number>();
    for (const run of [first, second, third, fourth, running])
      bytes.set(run.runId, await bytesOf(run.directory));
    const keepAll = { success: "keep", cancelled: "keep" } as const;
    const room =
      (bytes.get(third.runId) ?? 0) +
      (bytes.get(fourth.runId) ?? 0) +
      (bytes.get(running.runId) ?? 0);

    const plan = await planRetention(
      root,
      RetentionPolicySchema.parse({ ...keepAll, maxTotalSize: room }),
    );
    expect(plan.remove.map((decision) => decision.runId)).toEqual([second.runId, first.runId]);
    expect(plan.remove[0]?.reason).toBe(
      `over retention.maxTotalSize: ${room}B, oldest ended first`,
    );
    expect(plan.totals.keptBytes).toBe(room);
    expect(plan.totals.overCap).toBe(false);

    const tight = await planRetention(
      root,
      RetentionPolicySchema.parse({ ...keepAll, maxTotalSize: "1kB" }),
    );
    expect(tight.keep.map((decision) => decision.runId)).toEqual([running.runId]);
    expect(tight.totals.overCap).toBe(true);
    await applyRetention(tight);
    expect(readdirSync(root)).toEqual([running.runId]);

    const roomy = await planRetention(root, RetentionPolicySchema.parse({ maxTotalSize: "1TB" }));
    expect(roomy.remove).toEqual([]);
    expect(roomy.totals.overCap).toBe(false);
  });

  it("does not remove a planned run that turns out to be running when the plan is applied", async () => {
    const root = temporaryDirectory();
    const run = await fabricateRun(root, { state: "success" });
    const plan = await planRetention(root);
    expect(plan.remove.map((decision) => decision.runId)).toEqual([run.runId]);
    // Meanwhile the directory says otherwise (a plan a GUI showed an hour ago, say).
    const meta = JSON.parse(readFileSync(run.paths.meta, "utf8"));
    writeFileSync(
      run.paths.meta,
      JSON.stringify({
        ...meta,
        ...startMeta({ startedOn: shortHostname(), executor: currentExecutorIdentity() }),
      }),
    );
    const result = await applyRetention(plan);
    expect(result.removed).toEqual([]);
    expect(result.failed.map((failure) => [failure.runId, failure.error.code])).toEqual([
      [run.runId, "E_RUN_RUNNING"],
    ]);
    expect(readdirSync(root)).toEqual([run.runId]);
  });

  it("takes a planned run that something else removed meanwhile as done, not as a failure", async () => {
    const root = temporaryDirectory();
    const gone = await fabricateRun(root, { state: "success" });
    const other = await fabricateRun(root, { state: "cancelled" });
    const plan = await planRetention(root);
    expect(plan.remove).toHaveLength(2);
    // Another gc (on another login node sharing the home directory) got there first.
    await applyRetention({ ...plan, remove: plan.remove.filter((d) => d.runId === gone.runId) });
    const result = await applyRetention(plan);
    expect(result.failed).toEqual([]);
    expect(result.removed.map((removed) => removed.runId)).toEqual([other.runId]);
    expect(readdirSync(root)).toEqual([]);
  });
});
