import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DecodedEvent } from "@runyard/protocol";
import { RunMetaSchema, RunStatusSchema, WorkflowError } from "@runyard/schema";
import { readRun, readSummary } from "@runyard/store";
import { describe, expect, it } from "vitest";
import { EventLog, fifo, started, workflowFile } from "../test/helpers.js";
import { runWorkflow } from "./run-workflow.js";

const mode = (path: string) => statSync(path).mode & 0o777;

const THREE_STEPS = `# three steps, one needing two
name: three
env:
  GREETING: hello
  LEVEL: workflow
steps:
  a:
    run: echo "a $GREETING $LEVEL" && echo "a err" >&2
  b:
    run: echo "b $RUNYARD_STEP_ID $RUNYARD_STEP_SEQ $LEVEL"
    env:
      LEVEL: step
  c:
    name: Join
    needs: [a, b]
    run: echo "c $RUNYARD_RUN_ID" && test -d "$RUNYARD_ARTIFACTS_DIR" && test -f "$RUNYARD_RUN_SUMMARY_FILE"
`;

/** The timeline's shape: gapless from 1, run-start first, run-end last, one step-end per step. */
function expectWellFormed(events: readonly DecodedEvent[], stepIds: string[]): void {
  expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
  expect(events[0]?.type).toBe("run-start");
  expect(events.at(-1)?.type).toBe("run-end");
  expect(events.filter((event) => event.type === "run-end")).toHaveLength(1);
  for (const stepId of stepIds) {
    const ends = events.filter((event) => event.type === "step-end" && event.stepId === stepId);
    const starts = events.filter((event) => event.type === "step-start" && event.stepId === stepId);
    expect(ends, `step-end of ${stepId}`).toHaveLength(1);
    expect(starts.length, `step-start of ${stepId}`).toBeLessThanOrEqual(1);
    if (starts[0]) expect(starts[0].seq).toBeLessThan(ends[0]?.seq ?? 0);
  }
}

describe("runWorkflow", () => {
  for (const mask of [0o000, 0o077]) {
    it(`runs a three-step DAG and leaves a complete run directory (umask ${mask.toString(8).padStart(3, "0")})`, async () => {
      const { file, runsRoot } = workflowFile(THREE_STEPS);
      const log = new EventLog();
      const previous = process.umask(mask);
      let result: Awaited<ReturnType<typeof runWorkflow>>;
      try {
        result = await runWorkflow({ workflowFile: file, runsRoot, onEvent: log.onEvent });
      } finally {
        process.umask(previous);
      }
      const directory = result.runDirectory;
      expect(result.finalStatus).toBe("success");

      // Ordering: c starts only after both a and b ended.
      const seqOf = (type: string, stepId: string) =>
        log.events.find(
          (event) => event.type === type && "stepId" in event && event.stepId === stepId,
        )?.seq ?? 0;
      expect(seqOf("step-start", "c")).toBeGreaterThan(seqOf("step-end", "a"));
      expect(seqOf("step-start", "c")).toBeGreaterThan(seqOf("step-end", "b"));

      // The files and their permissions.
      expect(mode(runsRoot)).toBe(0o700);
      expect(mode(directory)).toBe(0o700);
      expect(mode(join(directory, "artifacts"))).toBe(0o700);
      const files = readdirSync(directory).filter((name) => name !== "artifacts");
      expect(files.sort()).toEqual(
        [
          "000001-a.err",
          "000001-a.out",
          "000002-b.err",
          "000002-b.out",
          "000003-c.err",
          "000003-c.out",
          "heartbeat",
          "meta.json",
          "run_summary.jsonl",
          "status.json",
          "workflow.yaml",
        ].sort(),
      );
      for (const name of files) expect(mode(join(directory, name)), name).toBe(0o600);
      expect(readFileSync(join(directory, "workflow.yaml"))).toEqual(readFileSync(file));

      // Captures and the step environment.
      expect(readFileSync(join(directory, "000001-a.out"), "utf8")).toBe("a hello workflow\n");
      expect(readFileSync(join(directory, "000001-a.err"), "utf8")).toBe("a err\n");
      expect(readFileSync(join(directory, "000002-b.out"), "utf8")).toBe("b b 2 step\n");
      expect(readFileSync(join(directory, "000003-c.out"), "utf8")).toBe(`c ${result.runId}\n`);
      expect(readFileSync(join(directory, "000003-c.err"), "utf8")).toBe("");

      // The timeline, as written and as onEvent saw it.
      const summary = await readSummary(join(directory, "run_summary.jsonl"));
      expect(summary.problems).toEqual([]);
      expect(summary.torn).toBe(false);
      expectWellFormed(summary.events, ["a", "b", "c"]);
      expect(log.durable()).toEqual(summary.events);

      // status.json and meta.json at the end; status.json valid and in the schema's key order.
      const statusText = readFileSync(join(directory, "status.json"), "utf8");
      const status = RunStatusSchema.parse(JSON.parse(statusText));
      expect(statusText).toBe(`${JSON.stringify(status, null, 2)}\n`);
      expect(status.seq).toBe(summary.events.length);
      expect(status.steps.map((step) => [step.nodeId, step.status, step.exitCode])).toEqual([
        ["a", "completed", 0],
        ["b", "completed", 0],
        ["c", "completed", 0],
      ]);
      expect(status.steps[2]?.name).toBe("Join");
      expect(status).toEqual(result.status);
      const meta = RunMetaSchema.parse(
        JSON.parse(readFileSync(join(directory, "meta.json"), "utf8")),
      );
      expect(meta).toMatchObject({ runId: result.runId, finalStatus: "success", pid: process.pid });
      expect(meta.endedAt).not.toBeNull();
      expect(meta.executor?.pid).toBe(process.pid);
      expect(meta).toEqual(result.meta);
      expect((await readRun(directory)).classification).toBe("success");
    });
  }

  it("records a failing step's exit code, skips its dependents and fails the run", async () => {
    const { file, runsRoot } = workflowFile(`steps:
  build:
    run: echo compiling; exit 3
  test:
    needs: build
    run: echo never
  deploy:
    needs: test
    run: echo never
  lint:
    run: echo clean
`);
    const result = await runWorkflow({ workflowFile: file, runsRoot, maxParallel: 1 });
    expect(result.finalStatus).toBe("failed");
    const byId = Object.fromEntries(result.status.steps.map((step) => [step.nodeId, step]));
    expect(byId.build).toMatchObject({
      status: "failed",
      exitCode: 3,
      reason: "exited with code 3",
    });
    expect(byId.test).toMatchObject({ status: "skipped", reason: 'needs "build", which failed' });
    expect(byId.deploy).toMatchObject({
      status: "skipped",
      reason: 'needs "test", which was skipped',
    });
    expect(byId.lint).toMatchObject({ status: "completed", exitCode: 0 });
    const summary = await readSummary(join(result.runDirectory, "run_summary.jsonl"));
    expectWellFormed(summary.events, ["build", "test", "deploy", "lint"]);
    expect(summary.events.at(-1)).toMatchObject({
      type: "run-end",
      finalStatus: "failed",
      reason: "failed: build",
    });
    expect(existsSync(join(result.runDirectory, "000001-build.out"))).toBe(true);
    expect(readdirSync(result.runDirectory).filter((name) => name.includes("test"))).toEqual([]);
  });

  it("never runs more than maxParallel steps at once", async () => {
    const { file, runsRoot } = workflowFile(`steps:
  one: {run: "true"}
  two: {run: "true"}
  three: {run: "true"}
`);
    const log = new EventLog();
    await runWorkflow({ workflowFile: file, runsRoot, maxParallel: 1, onEvent: log.onEvent });
    const order = log.events
      .filter((event) => event.type === "step-start" || event.type === "step-end")
      .map((event) => `${event.type}:${"stepId" in event ? event.stepId : ""}`);
    expect(order).toEqual([
      "step-start:one",
      "step-end:one",
      "step-start:two",
      "step-end:two",
      "step-start:three",
      "step-end:three",
    ]);
  });

  it("appends output to the capture while the step still runs", async () => {
    const { file, runsRoot, directory } = workflowFile("");
    const gate = fifo(directory);
    writeFileSync(
      file,
      `steps:\n  slow:\n    run: echo first; read -r _ < "${gate}"; echo second\n`,
    );
    const log = new EventLog();
    const running = runWorkflow({
      workflowFile: file,
      runsRoot,
      onEvent: log.onEvent,
      output: true,
    });
    const output = await log.next(
      (event) => event.type === "step-output" && event.data === "first\n",
    );
    const start = await log.next(started("slow"));
    if (start.type !== "step-start") throw new Error("unreachable");
    const capture = join(runsRoot, start.runId, start.out);
    expect(readFileSync(capture, "utf8")).toBe("first\n");
    expect(log.events.some((event) => event.type === "step-end")).toBe(false);
    expect(output).toMatchObject({ offset: 0, stream: "stdout", captureSeq: 1 });
    await writeFile(gate, "go\n");
    const result = await running;
    expect(result.finalStatus).toBe("success");
    expect(readFileSync(capture, "utf8")).toBe("first\nsecond\n");
  });

  it("creates nothing for an invalid workflow", async () => {
    const { file, runsRoot } = workflowFile(`steps:
  a:
    run: echo a
    needs: missing
`);
    await expect(runWorkflow({ workflowFile: file, runsRoot })).rejects.toBeInstanceOf(
      WorkflowError,
    );
    expect(existsSync(runsRoot)).toBe(false);
  });

  it("creates nothing for a Slurm step on a host without Slurm", async () => {
    const { file, runsRoot, directory } = workflowFile(
      "steps:\n  a: {run: echo a, backend: slurm}\n",
    );
    const env = { ...process.env, RUNYARD_SLURM_BIN: join(directory, "no-slurm") };
    await expect(runWorkflow({ workflowFile: file, runsRoot, env })).rejects.toMatchObject({
      code: "E_SLURM_UNAVAILABLE",
    });
    expect(existsSync(runsRoot)).toBe(false);
  });

  it("creates nothing when the socket path would be too long, and names it", async () => {
    const { file, directory } = workflowFile("steps:\n  a: {run: echo a}\n");
    const runsRoot = join(directory, "r".repeat(80));
    await expect(runWorkflow({ workflowFile: file, runsRoot })).rejects.toThrow(
      new RegExp(`Unix socket allows: ${runsRoot}/[0-9a-f-]{36}/ipc\\.sock`),
    );
    expect(existsSync(runsRoot)).toBe(false);
  });

  it("fails a step whose working directory does not exist", async () => {
    const { file, runsRoot } = workflowFile("steps:\n  a: {run: echo a, cwd: nowhere}\n");
    const result = await runWorkflow({ workflowFile: file, runsRoot });
    expect(result.finalStatus).toBe("failed");
    expect(result.status.steps[0]?.reason).toMatch(/^working directory does not exist: .*nowhere$/);
  });

  it("numbers captures without a gap when a step cannot create its captures", async () => {
    const { file, runsRoot, directory } = workflowFile("");
    const gate = fifo(directory);
    // `away` takes the run directory away, so `stranded` cannot create its captures; `back`,
    // already running (it comes first: a step's process may run before the next one starts),
    // puts it back once the test has seen that, then `last` runs.
    writeFileSync(
      file,
      `steps:
  back: {run: 'read -r _ < "${gate}"; mv "$RUNYARD_RUN_DIR.away" "$RUNYARD_RUN_DIR"'}
  away: {run: 'mv "$RUNYARD_RUN_DIR" "$RUNYARD_RUN_DIR.away"'}
  stranded: {needs: away, run: echo never}
  last: {needs: back, run: echo last}
`,
    );
    const log = new EventLog();
    const running = runWorkflow({
      workflowFile: file,
      runsRoot,
      onEvent: log.onEvent,
      maxParallel: 4,
    });
    const stranded = await log.next(
      (event) => event.type === "step-end" && event.stepId === "stranded",
    );
    expect(stranded).toMatchObject({
      status: "failed",
      reason: expect.stringMatching(
        /^could not start: cannot create its captures: no such file or directory \(ENOENT\)$/,
      ),
    });
    expect(stranded).not.toHaveProperty("captureSeq");
    await writeFile(gate, "go\n");
    const result = await running;
    expect(result.finalStatus).toBe("failed");
    const starts = log.events.flatMap((event) =>
      event.type === "step-start" ? [[event.stepId, event.captureSeq]] : [],
    );
    expect(starts).toEqual([
      ["back", 1],
      ["away", 2],
      ["last", 3],
    ]);
    expect(
      readdirSync(result.runDirectory)
        .filter((name) => name.endsWith(".out"))
        .sort(),
    ).toEqual(["000001-back.out", "000002-away.out", "000003-last.out"]);
  });
});
