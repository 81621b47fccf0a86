// Step outputs on real processes: KEY=value lines written to $RUNYARD_OUTPUT reach every step
// downstream once the step completes, are kept in the timeline and status.json, and a run's
// `return` names one of them.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readSummary } from "@runyard/store";
import { describe, expect, it } from "vitest";
import { workflowFile } from "../test/helpers.js";
import { runWorkflow } from "./run-workflow.js";

async function run(yaml: string) {
  const { file, runsRoot } = workflowFile(yaml);
  const result = await runWorkflow({ workflowFile: file, runsRoot, maxParallel: 1 });
  const { events } = await readSummary(join(result.runDirectory, "run_summary.jsonl"));
  const stdout = (id: string) => {
    const step = result.status.steps.find((entry) => entry.nodeId === id);
    const seq = String(step?.seq ?? 0).padStart(6, "0");
    return readFileSync(join(result.runDirectory, `${seq}-${id}.out`), "utf8");
  };
  return { result, events, stdout };
}

describe("step outputs", () => {
  it("reach every step downstream, transitively; a step's own env still wins", async () => {
    const { result, events, stdout } = await run(`steps:
  build:
    run: |
      echo "VERSION=1.2.3" >> "$RUNYARD_OUTPUT"
      echo "# a comment" >> "$RUNYARD_OUTPUT"
      printf 'NOTES<<END\\nline one\\nline = two\\nEND\\n' >> "$RUNYARD_OUTPUT"
      echo "ARTIFACT=app-1.2.3.tar" >> "$RUNYARD_OUTPUT"
  test:
    needs: build
    run: echo "testing $VERSION"
  deploy:
    needs: test
    env: {ARTIFACT: overridden}
    run: printf '%s|%s|%s\\n' "$VERSION" "$ARTIFACT" "$NOTES"
  unrelated:
    run: echo "[\${VERSION:-unset}]"
`);
    expect(result.finalStatus).toBe("success");
    expect(stdout("test")).toBe("testing 1.2.3\n");
    expect(stdout("deploy")).toBe("1.2.3|overridden|line one\nline = two\n");
    expect(stdout("unrelated")).toBe("[unset]\n");
    const end = events.find((event) => event.type === "step-end" && event.stepId === "build");
    expect(end).toMatchObject({
      outputs: { VERSION: "1.2.3", NOTES: "line one\nline = two", ARTIFACT: "app-1.2.3.tar" },
    });
    expect(result.status.steps[0]?.outputs).toEqual({
      VERSION: "1.2.3",
      NOTES: "line one\nline = two",
      ARTIFACT: "app-1.2.3.tar",
    });
  });

  it("resolves a name two upstream steps set by workflow order: the later step wins", async () => {
    const { stdout } = await run(`steps:
  late:
    needs: early
    run: echo "WHO=late" >> "$RUNYARD_OUTPUT"
  early:
    run: echo "WHO=early" >> "$RUNYARD_OUTPUT"
  side:
    run: echo "WHO=side" >> "$RUNYARD_OUTPUT"
  last:
    needs: [late, side]
    run: echo "$WHO"
`);
    // side comes after late in the file.
    expect(stdout("last")).toBe("side\n");
  });

  it("warns about each malformed line, naming it, and keeps the rest; a failed step passes nothing", async () => {
    const { result, events, stdout } = await run(`steps:
  a:
    run: |
      printf 'GOOD=yes\\nthis is not an output\\nRUNYARD_STEP_ID=forged\\n9LIVES=x\\nOPEN<<EOF\\nnever closed\\n' > "$RUNYARD_OUTPUT"
  b:
    run: |
      echo "LOST=1" >> "$RUNYARD_OUTPUT"
      exit 3
  c:
    needs: [a, b]
    if: always
    run: echo "good=$GOOD lost=\${LOST:-none} id=$RUNYARD_STEP_ID"
`);
    expect(result.finalStatus).toBe("failed");
    expect(stdout("c")).toBe("good=yes lost=none id=c\n");
    const warnings = events
      .filter((event) => event.type === "log" && event.level === "warn")
      .map((event) => (event.type === "log" ? event.message : ""));
    expect(warnings).toEqual([
      'a: RUNYARD_OUTPUT line 2: expected NAME=value or NAME<<DELIMITER, got "this is not an output"',
      "a: RUNYARD_OUTPUT line 3: RUNYARD_STEP_ID is Runyard's own name; not passed on",
      'a: RUNYARD_OUTPUT line 4: "9LIVES" is not a variable name (letters, digits and _, not starting with a digit)',
      'a: RUNYARD_OUTPUT line 5: OPEN<<EOF is never closed by a line "EOF"',
    ]);
  });

  it("passes a loop's outputs on, later items winning; instances see the loop's upstream", async () => {
    const { stdout } = await run(`steps:
  setup:
    run: echo "BASE=/data" >> "$RUNYARD_OUTPUT"
  each:
    needs: setup
    foreach: [a, b]
    run: |
      echo "LAST=$RUNYARD_ITEM" >> "$RUNYARD_OUTPUT"
      echo "FROM_$RUNYARD_ITEM=$BASE/$RUNYARD_ITEM" >> "$RUNYARD_OUTPUT"
  after:
    needs: each
    run: echo "$LAST $FROM_a $FROM_b $BASE"
`);
    expect(stdout("after")).toBe("b /data/a /data/b /data\n");
  });

  it("returns an output: return_value.txt and run-end's returnValue when the run succeeds", async () => {
    const { result, events } = await run(`return: {step: build, output: VERSION}
steps:
  build:
    run: echo "VERSION=2.0" >> "$RUNYARD_OUTPUT"
`);
    expect(readFileSync(join(result.runDirectory, "return_value.txt"), "utf8")).toBe("2.0");
    expect(events.at(-1)).toMatchObject({ type: "run-end", returnValue: "2.0" });
  });

  it("has no return value when the step did not set it, saying so, and the run still succeeds", async () => {
    const { result, events } = await run(`return: {step: build, output: VERSION}
steps:
  build:
    run: "true"
`);
    expect(result.finalStatus).toBe("success");
    expect(existsSync(join(result.runDirectory, "return_value.txt"))).toBe(false);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "log",
        message: "no return value: step build did not set the output VERSION",
      }),
    );
  });
});
