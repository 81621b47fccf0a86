// Hooks on real processes: each gets its event's JSON on stdin, runs only for the events it
// names, fails or hangs without failing the run (a warning, a line in hooks.log), runs no more
// than hooksParallel at once, and is waited for — within bounds — after run-end.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { RunEvent } from "@runyard/protocol";
import type { LaunchHook } from "@runyard/schema";
import { readSummary } from "@runyard/store";
import { describe, expect, it } from "vitest";
import { startCancellable, started, workflowFile } from "../test/helpers.js";
import type { DurableRunEvent } from "./event-pipeline.js";
import { HookRunner } from "./hook-runner.js";
import { runWorkflow } from "./run-workflow.js";

/** A hook as launch.json has it, running in `cwd`. */
function hook(
  cwd: string,
  fields: Partial<LaunchHook> & Pick<LaunchHook, "on" | "run">,
): LaunchHook {
  return { name: fields.run, timeoutMs: 10_000, cwd, source: join(cwd, "config.yaml"), ...fields };
}

async function runWith(
  yaml: string,
  hooks: (directory: string) => LaunchHook[],
  hooksParallel?: number,
) {
  const { file, runsRoot, directory } = workflowFile(yaml);
  const result = await runWorkflow({
    workflowFile: file,
    runsRoot,
    maxParallel: 4,
    hooks: hooks(directory),
    ...(hooksParallel === undefined ? {} : { hooksParallel }),
  });
  const { events } = await readSummary(join(result.runDirectory, "run_summary.jsonl"));
  const hooksLog = () => readFileSync(join(result.runDirectory, "hooks.log"), "utf8");
  return { result, events, directory, hooksLog };
}

const lines = (path: string) => readFileSync(path, "utf8").trimEnd().split("\n");

describe("hooks", () => {
  it("hand each hook its event's JSON on stdin, as the timeline has it, with its name and event", async () => {
    const { result, events, directory, hooksLog } = await runWith(
      "steps:\n  greet:\n    run: echo hello\n",
      (cwd) => [
        hook(cwd, {
          name: "record",
          on: ["run-start", "step-end", "run-end"],
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
          run: 'cat >> events.jsonl; echo "$RUNYARD_HOOK_NAME $RUNYARD_HOOK_EVENT $RUNYARD_RUN_ID ${RUNYARD_STEP_ID-none}" >> env.txt',
        }),
      ],
      1,
    );
    expect(result.finalStatus).toBe("success");
    const received = lines(join(directory, "events.jsonl")).map((line) => JSON.parse(line));
    expect(received).toEqual(
      events.filter((event) => ["run-start", "step-end", "run-end"].includes(event.type)),
    );
    expect(lines(join(directory, "env.txt"))).toEqual([
      `record run-start ${result.runId} none`,
      `record step-end ${result.runId} none`,
      `record run-end ${result.runId} none`,
    ]);
    expect(hooksLog()).toMatch(/ info hook record on run-end \(seq \d+\): ok in /);
    expect(statSync(join(result.runDirectory, "hooks.log")).mode & 0o777).toBe(0o600);
  });

  it("run a failure hook only for a step that failed for good, and for a run that failed", async () => {
    const { result, directory } = await runWith(
      `steps:
  good:
    run: "true"
  flaky:
    retries: 1
    run: if [ -e flaked ]; then exit 0; fi; touch flaked; exit 3
  broken:
    retries: 1
    run: exit 4
`,
      (cwd) => [
        hook(cwd, {
          name: "failures",
          on: ["step-failed", "run-failed"],
          run: '{ printf "%s " "$RUNYARD_HOOK_EVENT"; cat; } >> failures.txt',
        }),
        hook(cwd, { name: "starts", on: ["step-start"], run: "cat >> starts.jsonl" }),
        hook(cwd, { name: "ok", on: ["run-end"], run: "cat > run-end.json" }),
      ],
      1,
    );
    expect(result.finalStatus).toBe("failed");
    const failures = lines(join(directory, "failures.txt")).map((line) => {
      const space = line.indexOf(" ");
      return [line.slice(0, space), JSON.parse(line.slice(space + 1)) as RunEvent] as const;
    });
    expect(
      failures.map(([on, event]) => [on, event.type, "stepId" in event ? event.stepId : null]),
    ).toEqual([
      ["step-failed", "step-end", "broken"],
      ["run-failed", "run-end", null],
    ]);
    expect(failures[0]?.[1]).toMatchObject({ status: "failed", attempt: 2, exitCode: 4 });
    // Every attempt starts: good, flaky twice, broken twice.
    expect(lines(join(directory, "starts.jsonl"))).toHaveLength(5);
    expect(JSON.parse(readFileSync(join(directory, "run-end.json"), "utf8"))).toMatchObject({
      type: "run-end",
      finalStatus: "failed",
    });
  });

  it("turn a hook that fails or hangs into a warning and a line in hooks.log; the run succeeds", async () => {
    // The step ends once hooks.log has both failures, so their warnings are in the timeline.
    const { result, events, directory, hooksLog } = await runWith(
      `steps:
  wait:
    run: |
      until grep -q 'hangs.*timed out' "$RUNYARD_RUN_DIR/hooks.log" 2>/dev/null &&
        grep -q 'fails.*exit status 3' "$RUNYARD_RUN_DIR/hooks.log"; do sleep 0.05; done
`,
      (cwd) => [
        hook(cwd, { name: "fails", on: ["run-start"], run: "echo oops >&2; exit 3" }),
        hook(cwd, {
          name: "hangs",
          on: ["run-start"],
          run: "echo $$ > hang.pid; sleep 60 & sleep 60",
          timeoutMs: 300,
        }),
      ],
    );
    expect(result.finalStatus).toBe("success");
    const warnings = events
      .filter((event) => event.type === "log" && event.level === "warn")
      .map((event) => (event.type === "log" ? event.message : ""));
    expect(warnings.sort()).toEqual([
      "hook fails on run-start (seq 1) failed: exit status 3 (see hooks.log)",
      "hook hangs on run-start (seq 1) failed: timed out after 300ms, stopped (see hooks.log)",
    ]);
    const log = hooksLog();
    expect(log).toMatch(
      / warn hook fails on run-start \(seq 1\): exit status 3 \(ran .*\)\n {2}stderr: oops\n/,
    );
    expect(log).toMatch(
      / warn hook hangs on run-start \(seq 1\): timed out after 300ms, stopped \(ran /,
    );
    // Its whole session is gone, the sleep it left in the background too.
    const pid = Number(readFileSync(join(directory, "hang.pid"), "utf8"));
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });

  it("run no more than hooksParallel hooks at once", async () => {
    // Each run waits (a while at most) until another runs beside it, then counts them.
    const { result, directory } = await runWith(
      `steps:\n${[1, 2, 3, 4, 5, 6].map((n) => `  s${n}:\n    run: "true"\n`).join("")}`,
      (cwd) => [
        hook(cwd, {
          on: ["step-end"],
          run: `mkdir -p running; touch running/$$
n=0; while [ "$(ls running | wc -l)" -lt 2 ] && [ $n -lt 100 ]; do sleep 0.02; n=$((n+1)); done
ls running | wc -l >> counts; sleep 0.1; rm running/$$`,
        }),
      ],
      2,
    );
    expect(result.finalStatus).toBe("success");
    const counts = lines(join(directory, "counts")).map(Number);
    expect(counts).toHaveLength(6);
    expect(Math.max(...counts)).toBe(2);
  });

  it("wait for the run-end hooks before the run is over, and stop one that outlives its timeout", async () => {
    const { result, directory, hooksLog } = await runWith(
      'steps:\n  a:\n    run: "true"\n',
      (cwd) => [
        hook(cwd, {
          name: "slow",
          on: ["run-end"],
          run: "cat > /dev/null; sleep 0.3; touch drained",
        }),
        hook(cwd, { name: "stuck", on: ["run-end"], run: "sleep 60", timeoutMs: 500 }),
      ],
    );
    expect(result.finalStatus).toBe("success");
    expect(existsSync(join(directory, "drained"))).toBe(true);
    expect(hooksLog()).toMatch(
      / warn hook stuck on run-end \(seq \d+\): timed out after 500ms, stopped/,
    );
  });

  it("still run the run-end hooks of a run cancelled by its signal", async () => {
    const { directory } = workflowFile("");
    const { log, controller, running } = startCancellable("steps:\n  long:\n    run: sleep 30\n", {
      killGraceMs: 200,
      hooks: [hook(directory, { name: "ended", on: ["run-end"], run: "cat > run-end.json" })],
    });
    await log.next(started("long"));
    controller.abort("SIGTERM");
    expect((await running).finalStatus).toBe("cancelled");
    expect(JSON.parse(readFileSync(join(directory, "run-end.json"), "utf8"))).toMatchObject({
      type: "run-end",
      finalStatus: "cancelled",
    });
  });
});

describe("HookRunner", () => {
  const stepEnd = (seq: number): DurableRunEvent => ({
    type: "step-end",
    runId: "019ab3c2-5e1f-7a40-9c3d-0123456789ab",
    seq,
    ts: "2026-06-05T14:23:00.000Z",
    stepId: `s${seq}`,
    status: "completed",
    exitCode: 0,
    signal: null,
    durationMs: 1,
  });

  function runner(
    directory: string,
    run: string,
    options: { queueLimit: number; warn: (message: string) => void },
  ) {
    return new HookRunner({
      hooks: [hook(directory, { name: "h", on: ["step-end"], run })],
      parallel: 1,
      env: process.env,
      runId: "019ab3c2-5e1f-7a40-9c3d-0123456789ab",
      runDirectory: directory,
      logPath: join(directory, "hooks.log"),
      retriesOf: () => 0,
      killGraceMs: 200,
      ...options,
    });
  }

  it("drops what overflows its queue, with one warning, and says so in hooks.log", async () => {
    const { directory } = workflowFile("");
    const warnings: string[] = [];
    const hooks = runner(directory, "cat >> seen.jsonl", {
      queueLimit: 2,
      warn: (message) => warnings.push(message),
    });
    // One runs, two wait, two are dropped: offering never waits for a hook.
    for (const seq of [1, 2, 3, 4, 5]) hooks.offer(stepEnd(seq));
    await hooks.drain();
    expect(lines(join(directory, "seen.jsonl")).map((line) => JSON.parse(line).seq)).toEqual([
      1, 2, 3,
    ]);
    expect(warnings).toEqual([
      "hooks are falling behind: more than 2 runs of hooks waiting, so later ones are dropped (see hooks.log)",
    ]);
    const log = readFileSync(join(directory, "hooks.log"), "utf8");
    expect(log).toMatch(
      / warn dropped: hook h on step-end \(seq 4, step s4\): 2 runs of hooks were waiting already\n/,
    );
    expect(log).toMatch(/ warn dropped 2 runs of hooks in all\n$/);
  });

  it("writes a line in hooks.log for every run, however alike the runs", async () => {
    const { directory } = workflowFile("");
    const hooks = runner(directory, "true", { queueLimit: 64, warn: () => undefined });
    for (let seq = 1; seq <= 15; seq += 1) hooks.offer(stepEnd(seq));
    await hooks.drain();
    const log = readFileSync(join(directory, "hooks.log"), "utf8");
    expect(log.match(/ info hook h on step-end \(seq \d+, step s\d+\): ok in /g)).toHaveLength(15);
  });

  it("when told to stop waiting, drops what waits and stops what runs", async () => {
    const { directory } = workflowFile("");
    const hooks = runner(directory, "echo $$ >> pids; sleep 60", {
      queueLimit: 64,
      warn: () => undefined,
    });
    hooks.offer(stepEnd(1));
    hooks.offer(stepEnd(2));
    const controller = new AbortController();
    const drained = hooks.drain(controller.signal);
    // As a SIGTERM to the executor while it waits for its hooks.
    controller.abort();
    await drained;
    const log = readFileSync(join(directory, "hooks.log"), "utf8");
    expect(log).toContain(
      "not run: 1 runs of hooks still waiting when the executor stopped waiting for hooks",
    );
    expect(log).toMatch(
      /hook h on step-end \(seq 1, step s1\): still running when the executor stopped waiting for hooks, stopped/,
    );
  });
});
