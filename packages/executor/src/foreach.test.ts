// `foreach` on real processes: one instance per item, each with its own captures, status
// entry and events, RUNYARD_ITEM in its environment; a step that needs the loop waits for
// every instance; items from a file are read when the step becomes ready.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readRun, readSummary } from "@runyard/store";
import { describe, expect, it } from "vitest";
import { workflowFile } from "../test/helpers.js";
import { runWorkflow } from "./run-workflow.js";

async function run(yaml: string, setup?: (directory: string) => void) {
  const { file, runsRoot, directory } = workflowFile(yaml);
  setup?.(directory);
  const result = await runWorkflow({ workflowFile: file, runsRoot, maxParallel: 4 });
  const { events } = await readSummary(join(result.runDirectory, "run_summary.jsonl"));
  const states = Object.fromEntries(result.status.steps.map((step) => [step.nodeId, step.status]));
  const output = (name: string) => readFileSync(join(result.runDirectory, name), "utf8");
  return { result, events, states, output, directory };
}

describe("foreach", () => {
  it("runs one instance per item with its item in the environment, then the join", async () => {
    const { result, events, states, output } = await run(`steps:
  prep: {run: echo prep}
  mesh:
    needs: prep
    foreach: [coarse, medium, fine]
    run: echo "$RUNYARD_ITEM $RUNYARD_ITEM_INDEX/$RUNYARD_ITEM_COUNT $RUNYARD_STEP_ID"
  collect:
    needs: mesh
    run: echo collected
`);
    expect(result.finalStatus).toBe("success");
    // Instances follow their loop in status.json, in item order.
    expect(result.status.steps.map((step) => step.nodeId)).toEqual([
      "prep",
      "mesh",
      "mesh[coarse]",
      "mesh[medium]",
      "mesh[fine]",
      "collect",
    ]);
    expect(Object.values(states).every((status) => status === "completed")).toBe(true);
    const loop = result.status.steps[1];
    expect(loop).toMatchObject({ items: 3, reason: "all 3 items completed" });
    expect(result.status.steps[3]).toMatchObject({ loop: "mesh", item: "medium", attempt: 1 });
    const medium = result.status.steps[3]?.seq ?? 0;
    const stem = `${String(medium).padStart(6, "0")}-mesh[medium]`;
    expect(output(`${stem}.out`)).toBe("medium 1/3 mesh[medium]\n");
    // The join: collect starts after the loop's own end, which comes after every instance's.
    const order = events
      .filter((event) => event.type === "step-end" || event.type === "step-start")
      .map((event) => `${event.type} ${"stepId" in event ? event.stepId : ""}`);
    expect(order.indexOf("step-end mesh")).toBeGreaterThan(
      order.lastIndexOf("step-end mesh[fine]"),
    );
    expect(order.indexOf("step-start collect")).toBeGreaterThan(order.indexOf("step-end mesh"));
    expect(events.find((event) => event.type === "step-expand")).toMatchObject({
      stepId: "mesh",
      total: 3,
      items: [
        { nodeId: "mesh[coarse]", item: "coarse" },
        { nodeId: "mesh[medium]", item: "medium" },
        { nodeId: "mesh[fine]", item: "fine" },
      ],
    });
    // A reader that rebuilds the status from the timeline finds the same run.
    const view = await readRun(result.runDirectory, { timeline: "full", readEnd: true });
    expect(view.timeline?.state).toBe("intact");
    expect(view.classification).toBe("success");
  });

  it("reads the item file when the step becomes ready, after the step that writes it", async () => {
    const { result, states, output } = await run(`steps:
  list:
    run: printf '# samples\\n\\nA 1\\n  B/2  \\nC\\n' > items.txt
  each:
    needs: list
    foreach: {file: items.txt}
    run: printf '<%s>' "$RUNYARD_ITEM"
`);
    expect(result.finalStatus).toBe("success");
    // "A 1" cannot stand in an id: the whole loop is named by index.
    expect(Object.keys(states)).toEqual(["list", "each", "each[0]", "each[1]", "each[2]"]);
    const seqs = result.status.steps.slice(2).map((step) => step.seq ?? 0);
    const printed = seqs.map((seq, index) =>
      output(`${String(seq).padStart(6, "0")}-each[${index}].out`),
    );
    expect(printed).toEqual(["<A 1>", "<B/2>", "<C>"]);
  });

  it("fails the loop when an instance fails; the others still run; dependents are skipped", async () => {
    const { result, states } = await run(`steps:
  mesh:
    foreach: "1-4"
    run: test "$RUNYARD_ITEM" != 2
  after: {needs: mesh, run: echo after}
  cleanup: {needs: mesh, if: always, run: echo cleanup}
`);
    expect(result.finalStatus).toBe("failed");
    expect(states).toEqual({
      mesh: "failed",
      "mesh[1]": "completed",
      "mesh[2]": "failed",
      "mesh[3]": "completed",
      "mesh[4]": "completed",
      after: "skipped",
      cleanup: "completed",
    });
    expect(result.status.steps[0]?.reason).toBe("1 of 4 items failed: mesh[2]");
    const view = await readRun(result.runDirectory, { timeline: "full", readEnd: true });
    expect(view.classification).toBe("failed");
  });

  it("keeps to the loop's parallel limit", async () => {
    // Each instance records how many instances are running as it runs.
    const { result, directory } = await run(
      `steps:
  work:
    foreach: "1-6"
    parallel: 2
    run: |
      mkdir -p running && touch running/$RUNYARD_ITEM
      ls running | wc -l > seen.$RUNYARD_ITEM
      sleep 0.3
      rm running/$RUNYARD_ITEM
`,
    );
    expect(result.finalStatus).toBe("success");
    const seen = readdirSync(directory)
      .filter((name) => name.startsWith("seen."))
      .map((name) => Number(readFileSync(join(directory, name), "utf8").trim()));
    expect(seen).toHaveLength(6);
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
    expect(Math.max(...seen)).toBe(2);
  });

  it("fails a loop whose item file is missing, naming the file; nothing of it runs", async () => {
    const { result, states, events } = await run(`steps:
  each:
    foreach: {file: nowhere.txt}
    run: echo $RUNYARD_ITEM
`);
    expect(result.finalStatus).toBe("failed");
    expect(states).toEqual({ each: "failed" });
    expect(result.status.steps[0]?.reason).toMatch(
      /^cannot read its foreach file nowhere\.txt \(.*nowhere\.txt\): no such file$/,
    );
    expect(events.some((event) => event.type === "step-start")).toBe(false);
  });

  it("completes a loop over an empty file at once, and goes on", async () => {
    const { result, states } = await run(
      `steps:
  each:
    foreach: {file: empty.txt}
    run: exit 1
  after: {needs: each, run: echo after}
`,
      (directory) => writeFileSync(join(directory, "empty.txt"), "# nothing today\n"),
    );
    expect(result.finalStatus).toBe("success");
    expect(states).toEqual({ each: "completed", after: "completed" });
    expect(result.status.steps[0]).toMatchObject({ items: 0, reason: "no items" });
  });

  it("retries each instance on its own", async () => {
    const { result, states } = await run(`steps:
  flaky:
    foreach: [a, b]
    retries: 1
    run: |
      if [ "$RUNYARD_ITEM" = b ] && [ "$RUNYARD_STEP_ATTEMPT" = 1 ]; then exit 3; fi
`);
    expect(result.finalStatus).toBe("success");
    expect(states).toMatchObject({ "flaky[a]": "completed", "flaky[b]": "completed" });
    expect(result.status.steps.find((step) => step.nodeId === "flaky[b]")?.attempt).toBe(2);
    expect(result.status.steps.find((step) => step.nodeId === "flaky[a]")?.attempt).toBe(1);
  });

  it("writes a long loop's instances in several events; cancelled, it ends cancelled", async () => {
    // 3,000 items of 100 characters: over 256 KiB of instances, so more than one event.
    const items = Array.from({ length: 3000 }, (_, index) => `${index}`.padStart(100, "x"));
    const { file, runsRoot, directory } = workflowFile(`steps:
  many:
    foreach: {file: items.txt}
    parallel: 1
    run: sleep 5
`);
    writeFileSync(join(directory, "items.txt"), `${items.join("\n")}\n`);
    const abort = new AbortController();
    const result = await runWorkflow({
      workflowFile: file,
      runsRoot,
      signal: abort.signal,
      onEvent: (event) => {
        if (event.type === "step-start") abort.abort("enough");
      },
    });
    const { events } = await readSummary(join(result.runDirectory, "run_summary.jsonl"));
    const expands = events.filter((event) => event.type === "step-expand");
    expect(expands.length).toBeGreaterThan(1);
    expect(expands.flatMap((event) => event.items.map((entry) => entry.item))).toEqual(items);
    expect(result.finalStatus).toBe("cancelled");
    const steps = result.status.steps;
    expect(steps).toHaveLength(3001);
    expect(steps[0]).toMatchObject({ status: "cancelled", items: 3000 });
    expect(steps[0]?.reason).toBe("3000 of 3000 items cancelled");
    // Too long to stand in ids: by index, in item order.
    expect(steps.slice(1).map((step) => step.nodeId)).toEqual(items.map((_, i) => `many[${i}]`));
    // status.json on disk and a reader's view agree.
    const view = await readRun(result.runDirectory, { timeline: "full", readEnd: true });
    expect(view.status?.steps).toHaveLength(3001);
    expect(view.timeline?.state).toBe("intact");
  });
});
