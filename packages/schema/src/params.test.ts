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
        {
          path: "",
          param: "sample",
          kind: "unknown",
          message: 'unknown param "sample" (did you mean "samples"?)',
        },
        { path: "", param: "colour", kind: "unknown", message: 'unknown param "colour"' },
        {
          path: "",
          param: "input",
          kind: "missing",
          message: 'missing a value for param "input" (The data file)',
        },
      ],
    });
  });

  it("say so when a workflow has no params at all", () => {
    expect(resolveParamValues(workflow("steps: {a: {run: x}}"), { n: "1" })).toEqual({
      ok: false,
      problems: [
        {
          path: "",
          param: "n",
          kind: "unknown",
          message: 'unknown param "n" (the workflow has no params)',
        },
      ],
    });
  });

  const typed = workflow(`
params:
  n: 10
  ratio: {type: number}
  debug: false
  mesh:
    description: Mesh resolution
    choices: [coarse, medium, fine]
    default: medium
  threads:
    choices: [1, 2, 4]
    required: false
  label: {type: string, required: false}
steps:
  solve: {run: ./solve}
`);

  it("infer each param's type from its default, else its choices, else string", () => {
    expect(typed.params.map((param) => [param.name, param.type, param.choices])).toEqual([
      ["n", "number", undefined],
      ["ratio", "number", undefined],
      ["debug", "boolean", undefined],
      ["mesh", "string", ["coarse", "medium", "fine"]],
      ["threads", "number", ["1", "2", "4"]],
      ["label", "string", undefined],
    ]);
  });

  it("accept decimal numbers, true and false, and a choice, keeping each as written", () => {
    const values = { n: "1e3", ratio: "-2.50", debug: "true", mesh: "fine", threads: "4" };
    expect(resolveParamValues(typed, values)).toEqual({
      ok: true,
      values,
    });
    for (const n of ["3", "-2.5", "+7", "0.5", ".5", "5.", "1E-3", "007"]) {
      expect([n, resolveParamValues(typed, { n, ratio: "1" }).ok]).toEqual([n, true]);
    }
  });

  it("name the param, the value and what was expected, for every bad value at once", () => {
    const result = resolveParamValues(typed, {
      n: "abc",
      ratio: "0x10",
      debug: "True",
      mesh: "fin",
      threads: "4.0",
      label: "",
    });
    expect(result.ok ? [] : result.problems.map((problem) => problem.message)).toEqual([
      'param "n": expected a number, got "abc"',
      'param "ratio": expected a number, got "0x10"',
      'param "debug": expected true or false, got "True" (did you mean "true"?)',
      'param "mesh": expected one of coarse, medium, fine, got "fin" (did you mean "fine"?)',
      'param "threads": expected one of 1, 2, 4, got "4.0"',
    ]);
  });

  it("refuse what is not a plain decimal number, and booleans other than true and false", () => {
    for (const n of [
      "",
      " 3",
      "3 ",
      "0x10",
      "0o7",
      "1_000",
      "Infinity",
      "NaN",
      ".inf",
      "1e999",
      "1,5",
      "--1",
    ]) {
      expect([n, resolveParamValues(typed, { n, ratio: "1" }).ok]).toEqual([n, false]);
    }
    for (const debug of ["yes", "no", "1", "0", "on", "TRUE", ""]) {
      expect([debug, resolveParamValues(typed, { debug, ratio: "1" }).ok]).toEqual([debug, false]);
    }
  });
});
