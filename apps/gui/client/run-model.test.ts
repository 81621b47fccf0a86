// The client's run model, fed the events of real runs as the live channel relays them: it
// must arrive at the status the executor wrote, whatever the batches and repeats.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runWorkflow } from "@runyard/executor";
import { afterAll, describe, expect, it } from "vitest";
import type { LiveLine } from "../src/api-schemas.js";
import { nodeViews, type OutputChunk, RunModel } from "./run-model.js";

const scratch = mkdtempSync(join(tmpdir(), "runyard-gui-model-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function recordedRun(source: string) {
  const workflowFile = join(scratch, `wf-${Math.random().toString(36).slice(2)}.yaml`);
  const result = await runWorkflow({
    workflowFile,
    workflowSource: source,
    runsRoot: join(scratch, "runs"),
  });
  const lines: LiveLine[] = readFileSync(join(result.runDirectory, "run_summary.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => ({ type: "event", event: JSON.parse(line) }));
  const status = JSON.parse(readFileSync(join(result.runDirectory, "status.json"), "utf8"));
  return { result, lines, status };
}

const LOOP = `name: model
steps:
  prepare: { run: 'echo ready' }
  mesh:
    needs: prepare
    foreach: [a, b, c]
    run: 'test "$RUNYARD_ITEM" != b'
  report: { run: 'true', needs: mesh, if: always }
  never: { run: 'true', needs: mesh }
`;

describe("RunModel", () => {
  it("builds the graph and the executor's own status from the events, in any batches", async () => {
    const { lines, status } = await recordedRun(LOOP);
    for (const batch of [lines.length, 1, 3]) {
      const model = new RunModel(status.runId);
      let renders = 0;
      model.subscribe(() => {
        renders += 1;
      });
      for (let index = 0; index < lines.length; index += batch)
        model.apply(lines.slice(index, index + batch));
      expect(model.graph?.map((step) => [step.id, step.needs])).toEqual([
        ["prepare", []],
        ["mesh", ["prepare"]],
        ["report", ["mesh"]],
        ["never", ["mesh"]],
      ]);
      const statuses = (steps: { nodeId: string; status: string }[]) =>
        steps.map((step) => [step.nodeId, step.status]);
      expect(statuses(model.status?.steps ?? [])).toEqual(statuses(status.steps));
      expect(model.finalStatus).toBe("failed");
      // One render per batch, not per event.
      expect(renders).toBe(Math.ceil(lines.length / batch));
      const views = nodeViews(model);
      expect(views.get("mesh")).toMatchObject({
        status: "failed",
        items: { total: 3, completed: 2, failed: 1 },
      });
      expect(views.get("never")?.status).toBe("skipped");
      expect(views.has("mesh[b]")).toBe(false);
    }
  });

  it("applies each seq once: a reconnect that repeats events changes nothing", async () => {
    const { lines } = await recordedRun(LOOP);
    const model = new RunModel("x");
    model.apply(lines.slice(0, 5));
    const version = model.version;
    model.apply(lines.slice(0, 5));
    expect(model.version).toBe(version);
    expect(model.lastSeq).toBe(5);
    model.apply(lines.slice(3));
    expect(model.finalStatus).toBe("failed");
    expect(model.status?.steps.filter((step) => step.loop === "mesh")).toHaveLength(3);
  });

  it("notes how the run ended, and hands step output to its listeners until they leave", async () => {
    const { lines } = await recordedRun("name: notes\nsteps:\n  a: { run: 'echo hi' }\n");
    const model = new RunModel("x");
    model.apply(lines);
    expect(model.notes.at(-1)).toMatchObject({ kind: "log", text: "run ended success" });
    const chunks: OutputChunk[] = [];
    const stop = model.onOutput((chunk) => chunks.push(chunk));
    model.apply([
      {
        type: "output",
        event: {
          type: "step-output",
          seq: 3,
          stepId: "a",
          captureSeq: 1,
          stream: "stdout",
          offset: 0,
          data: "héllo\n",
        },
      },
    ]);
    stop();
    model.apply([
      {
        type: "output",
        event: {
          type: "step-output",
          seq: 3,
          stepId: "a",
          captureSeq: 1,
          stream: "stdout",
          offset: 7,
          data: "x",
        },
      },
    ]);
    // bytes, when absent, is the UTF-8 length of the data: the next chunk's offset.
    expect(chunks).toEqual([
      { stepId: "a", captureSeq: 1, stream: "stdout", offset: 0, bytes: 7, data: "héllo\n" },
    ]);
  });
});
