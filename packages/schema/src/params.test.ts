import { describe, expect, it } from "vitest";
import { formatProblem } from "./errors.js";
import { resolveParamValues } from "./params.js";
import { parseWorkflow } from "./workflow-load.js";

function workflow(text: string) {
  const result = parseWorkflow(text, "/w/params.yaml");
  if (!result.ok)
    throw new Error(result.problems.map((p) => formatProblem("params.yaml", p)).join("\n"));
  return result.workflow;
}

const source = `
params:
  samples: 100
  seed:
    description: Random seed
    default: 7
  input:
    description: The data file
  label:
    required: false
steps:
  draw: {run: ./draw.sh}
`;

describe("params", () => {
  it("resolve to defaults (as strings) with required and optional params told apart", () => {
    const resolved = workflow(source);
    expect(resolved.paramDefaults).toEqual({ samples: "100", seed: "7" });
    expect(resolved.params.map((param) => [param.name, param.required])).toEqual([
      ["samples", false],
      ["seed", false],
      ["input", true],
      ["label", false],
    ]);
  });

  it("take supplied values over defaults; an optional param left out is absent", () => {
    expect(resolveParamValues(workflow(source), { input: "data.csv", seed: "42" })).toEqual({
      ok: true,
      values: { samples: "100", seed: "42", input: "data.csv" },
    });
  });

  it("report a missing required param and an unknown one, all at once", () => {
    expect(resolveParamValues(workflow(source), { sample: "5", colour: "red" })).toEqual({
      ok: false,
      problems: [
        { path: "", message: 'unknown param "sample" (did you mean "samples"?)' },
        { path: "", message: 'unknown param "colour"' },
        { path: "", message: 'missing a value for param "input" (The data file)' },
      ],
    });
  });

  it("say so when a workflow has no params at all", () => {
    expect(resolveParamValues(workflow("steps: {a: {run: x}}"), { n: "1" })).toEqual({
      ok: false,
      problems: [{ path: "", message: 'unknown param "n" (the workflow has no params)' }],
    });
  });
});
