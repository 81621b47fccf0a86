import { describe, expect, it } from "vitest";
import { formatProblem } from "./errors.js";
import { resolveParamValues } from "./params.js";
import { parseWorkflow } from "./workflow-load.js";
import { planWorkflow } from "./workflow-plan.js";

function workflow(text: string) {
  const result = parseWorkflow(text, "/w/plan.yaml");
  if (!result.ok)
    throw new Error(result.problems.map((p) => formatProblem("plan.yaml", p)).join("\n"));
  return result.workflow;
}

describe("planWorkflow", () => {
  it("orders steps by stage, then as the file lists them", () => {
    const resolved = workflow(`
steps:
  report: {run: x, needs: [b, d], if: always}
  b: {run: x, needs: a}
  a: {run: x}
  d: {run: x}
  c: {run: x, needs: b}
`);
    const plan = planWorkflow(resolved, { values: {} });
    expect(plan.steps.map((step) => [step.id, step.stage])).toEqual([
      ["a", 1],
      ["d", 1],
      ["b", 2],
      ["report", 3],
      ["c", 3],
    ]);
    expect(plan.steps[3]).toMatchObject({ needs: ["b", "d"], condition: "always", cwd: "/w" });
  });

  it("says where each param's value came from", () => {
    const resolved = workflow(`
params:
  a: 1
  b: {type: number}
  c: x
  d: {required: false}
steps:
  s: {run: x}
`);
    const values = resolveParamValues(resolved, { b: "2", c: "y" });
    if (!values.ok) throw new Error("refused");
    const plan = planWorkflow(resolved, {
      values: values.values,
      sources: { b: "file", c: "flag" },
    });
    expect(plan.params.map((param) => [param.name, param.value, param.source])).toEqual([
      ["a", "1", "default"],
      ["b", "2", "file"],
      ["c", "y", "flag"],
      ["d", undefined, undefined],
    ]);
  });

  it("plans a chain of 20 000 steps listed last to first in linear time", () => {
    const count = 20_000;
    const lines = ["steps:"];
    for (let index = count - 1; index >= 0; index -= 1) {
      lines.push(index === 0 ? `  s0: {run: x}` : `  s${index}: {run: x, needs: s${index - 1}}`);
    }
    const resolved = workflow(lines.join("\n"));
    const started = performance.now();
    const plan = planWorkflow(resolved, { values: {} });
    expect(plan.steps[0]?.id).toBe("s0");
    expect(plan.steps[count - 1]).toMatchObject({ id: `s${count - 1}`, stage: count });
    // Rounds over the pending steps would take 20 000 passes here: seconds, not milliseconds.
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
