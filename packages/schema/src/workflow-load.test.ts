import { execFileSync } from "node:child_process";
import { chmod, readFile, truncate, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { useScratchDirectory } from "@runyard/vitest-config/scratch";
import { withoutPrivileges } from "@runyard/vitest-config/unprivileged";
import { v5 as uuidv5 } from "uuid";
import { beforeEach, describe, expect, it } from "vitest";
import { formatProblem, WorkflowReadError } from "./errors.js";
import { MAX_INPUT_FILE_BYTES } from "./input-file.js";
import { loadWorkflowFile, parseWorkflow, WorkflowError } from "./workflow-load.js";
import { WORKFLOW_ID_NAMESPACE, workflowIdForPath } from "./workflow-resolve.js";

const valid = fileURLToPath(new URL("../test/fixtures/workflows/valid/", import.meta.url));

async function load(name: string) {
  const workflow = await loadWorkflowFile(join(valid, name));
  return workflow;
}

describe("loading valid workflows", () => {
  it("resolves hello.yaml: three steps in file order, one needing the other two", async () => {
    const workflow = await load("hello.yaml");
    expect(workflow.name).toBe("hello");
    expect(workflow.description).toBe("Say hello, twice, then put the greetings together.");
    expect(workflow.id).toBe(uuidv5(join(valid, "hello.yaml"), WORKFLOW_ID_NAMESPACE));
    expect(workflow.steps.map((step) => [step.id, step.name, step.needs])).toEqual([
      ["hello", "hello", []],
      ["world", "Say world", []],
      ["greet", "greet", ["hello", "world"]],
    ]);
    expect(workflow.steps[2]?.run).toBe(
      'echo "both done"\necho "hello, world" > "$RUNYARD_ARTIFACTS_DIR/greeting.txt"\n',
    );
    expect(workflow.steps.map((step) => step.position)).toEqual([
      { line: 5, column: 3 },
      { line: 7, column: 3 },
      { line: 10, column: 3 },
    ]);
  });

  it("keeps the file's exact bytes, comments and all, for the run directory's workflow.yaml", async () => {
    const workflow = await load("hello.yaml");
    const bytes = await readFile(join(valid, "hello.yaml"));
    expect(Buffer.from(workflow.source).equals(bytes)).toBe(true);
  });

  it("resolves every field of full.yaml: defaults, params, env, slurm, aliases", async () => {
    const workflow = await load("full.yaml");
    const work = join(valid, "work");
    expect({ ...workflow, source: undefined, raw: undefined, steps: undefined }).toEqual({
      id: "3b241101-e2bb-4255-8caf-4136c566a962",
      name: "simulation",
      description: "Mesh, simulate and post-process a case.\n",
      file: join(valid, "full.yaml"),
      source: undefined,
      raw: undefined,
      steps: undefined,
      env: { OMP_NUM_THREADS: "4", VERBOSE: "true", LABEL: "1.10" },
      params: [
        {
          name: "cells",
          description: undefined,
          type: "number",
          default: "1000",
          choices: undefined,
          required: false,
        },
        {
          name: "solver",
          description: "Which solver to run",
          type: "string",
          default: "simpleFoam",
          choices: undefined,
          required: false,
        },
        {
          name: "case",
          description: "Case directory, relative to the workflow",
          type: "string",
          default: undefined,
          choices: undefined,
          required: true,
        },
        {
          name: "notify",
          description: "Who to tell when done",
          type: "string",
          default: undefined,
          choices: undefined,
          required: false,
        },
      ],
      paramDefaults: { cells: "1000", solver: "simpleFoam" },
    });
    const [mesh, simulate, post] = workflow.steps;
    expect(workflow.steps.map((step) => step.id)).toEqual(["10-mesh", "2-simulate", "post"]);
    expect({ ...mesh, raw: undefined }).toEqual({
      id: "10-mesh",
      name: "Meshing",
      run: './mesh.sh "$case" "$cells"',
      needs: [],
      env: { MESH_LEVEL: "3" },
      cwd: work,
      condition: "success",
      timeoutSeconds: 5400,
      retries: 1,
      retryDelaySeconds: 0,
      backend: "local",
      slurm: { partition: "compute", account: "proj42" },
      position: { line: 29, column: 3 },
      raw: undefined,
    });
    expect(simulate).toMatchObject({
      needs: ["10-mesh"],
      cwd: work,
      timeoutSeconds: 7200,
      retries: 0,
      backend: "slurm",
      slurm: {
        partition: "compute",
        account: "proj42",
        time: "02:00:00",
        nodes: 2,
        cpusPerTask: 8,
        mem: "64G",
        gpus: "a100:2",
        extraArgs: ["--exclusive"],
      },
    });
    expect(post).toMatchObject({
      needs: ["2-simulate"],
      cwd: "/tmp",
      env: { OMP_NUM_THREADS: "4", VERBOSE: "true", LABEL: "1.10" },
      timeoutSeconds: 90,
      raw: { if: "success", foreach: ["pressure", "velocity"] },
    });
  });

  it("reads JSON: pipeline.json, with $schema for editors", async () => {
    const workflow = await load("pipeline.json");
    expect(workflow.name).toBe("pipeline");
    expect(workflow.env).toEqual({ LANG: "C" });
    expect(
      workflow.steps.map((step) => ({
        id: step.id,
        needs: step.needs,
        retries: step.retries,
        timeoutSeconds: step.timeoutSeconds,
        env: step.env,
      })),
    ).toEqual([
      { id: "fetch", needs: [], retries: 0, timeoutSeconds: 600, env: {} },
      { id: "clean", needs: ["fetch"], retries: 2, timeoutSeconds: 600, env: {} },
      { id: "plot", needs: ["clean"], retries: 0, timeoutSeconds: 600, env: { DPI: "300" } },
    ]);
  });

  it("names a workflow without `name` after its file, and a minimal one has no timeout", async () => {
    const workflow = await load("minimal.yaml");
    expect(workflow.name).toBe("minimal");
    expect(workflow.steps).toMatchObject([
      { id: "only", run: "true", cwd: valid.replace(/\/$/, ""), timeoutSeconds: undefined },
    ]);
  });

  it("keeps purely numeric step ids in file order, which a plain object would not", () => {
    const result = parseWorkflow(
      "steps:\n  '10': {run: a}\n  '2': {run: b, needs: '10'}\n",
      "/w/n.yaml",
    );
    expect(result.ok && result.workflow.steps.map((step) => step.id)).toEqual(["10", "2"]);
  });
});

describe("workflow ids", () => {
  it("is a UUIDv5 of the absolute path when the file has no id: stable, and differs by path", () => {
    const first = parseWorkflow("steps: {a: {run: x}}", "/home/ada/flows/a.yaml");
    const again = parseWorkflow("steps: {a: {run: y}}", "/home/ada/flows/a.yaml");
    const other = parseWorkflow("steps: {a: {run: x}}", "/home/ada/flows/b.yaml");
    const id = (result: typeof first) => (result.ok ? result.workflow.id : undefined);
    expect(id(first)).toBe(workflowIdForPath("/home/ada/flows/a.yaml"));
    expect(id(first)).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(id(again)).toBe(id(first));
    expect(id(other)).not.toBe(id(first));
  });
});

describe("loadWorkflowFile errors", () => {
  const temporaryDirectory = useScratchDirectory("runyard-workflow-");
  let directory: string;
  beforeEach(() => {
    directory = temporaryDirectory();
  });

  it("throws WorkflowError naming the path as given, with every problem", async () => {
    const file = join(directory, "bad.yaml");
    await writeFile(file, "steps:\n  a:\n    rnu: x\n");
    const shown = relative(process.cwd(), file);
    const error = await loadWorkflowFile(shown).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowError);
    expect((error as WorkflowError).code).toBe("E_WORKFLOW_INVALID");
    expect((error as WorkflowError).message).toBe(
      `${shown}: 2 problems\n${shown}:2:3: steps.a: missing required key "run"\n${shown}:3:5: steps.a.rnu: unknown key "rnu" (did you mean "run"?)`,
    );
  });

  it("throws WorkflowReadError for a missing file or a directory", async () => {
    const missing = join(directory, "nope.yaml");
    await expect(loadWorkflowFile(missing)).rejects.toBeInstanceOf(WorkflowReadError);
    await expect(loadWorkflowFile(missing)).rejects.toMatchObject({
      code: "E_WORKFLOW_READ",
      message: `cannot read workflow ${missing}: no such file`,
    });
    await expect(loadWorkflowFile(directory)).rejects.toMatchObject({
      message: `cannot read workflow ${directory}: it is a directory`,
    });
  });

  it("refuses device files and named pipes without reading them", async () => {
    // /dev/zero never ends and a FIFO blocks until a writer comes: neither may be read.
    await expect(loadWorkflowFile("/dev/zero")).rejects.toMatchObject({
      code: "E_WORKFLOW_READ",
      message: "cannot read workflow /dev/zero: not a regular file (a character device)",
    });
    const fifo = join(directory, "pipe.yaml");
    execFileSync("mkfifo", [fifo]);
    await expect(loadWorkflowFile(fifo)).rejects.toMatchObject({
      code: "E_WORKFLOW_READ",
      message: `cannot read workflow ${fifo}: not a regular file (a named pipe)`,
    });
  });

  it("refuses a file larger than 10 MiB before reading it", async () => {
    expect(MAX_INPUT_FILE_BYTES).toBe(10 * 1024 * 1024);
    const big = join(directory, "big.yaml");
    await writeFile(big, "steps:\n  a: {run: x}\n");
    await truncate(big, MAX_INPUT_FILE_BYTES + 1);
    await expect(loadWorkflowFile(big)).rejects.toMatchObject({
      code: "E_WORKFLOW_READ",
      message: `cannot read workflow ${big}: the file is larger than the 10 MiB limit (10485761 bytes)`,
    });
    const large = join(directory, "large.yaml");
    await writeFile(large, "");
    await truncate(large, 12.5 * 1024 * 1024);
    await expect(loadWorkflowFile(large)).rejects.toMatchObject({
      message: `cannot read workflow ${large}: the file is larger than the 10 MiB limit (12.5 MiB)`,
    });
  });

  it("reads a file of exactly 10 MiB", async () => {
    const file = join(directory, "padded.yaml");
    const text = "steps:\n  a: {run: x}\n";
    // Trailing spaces are insignificant YAML; the file is exactly at the limit.
    await writeFile(file, text + " ".repeat(MAX_INPUT_FILE_BYTES - text.length));
    const workflow = await loadWorkflowFile(file);
    expect(workflow.source.length).toBe(MAX_INPUT_FILE_BYTES);
    expect(workflow.steps.map((step) => step.id)).toEqual(["a"]);
  });

  it("says permission denied for a file the user may not read", async () => {
    const file = join(directory, "secret.yaml");
    await writeFile(file, "steps: {a: {run: x}}\n");
    await chmod(directory, 0o755);
    await chmod(file, 0o000);
    await expect(withoutPrivileges(() => loadWorkflowFile(file))).rejects.toMatchObject({
      code: "E_WORKFLOW_READ",
      message: `cannot read workflow ${file}: permission denied`,
    });
  });

  it("says which component of the path is in the way", async () => {
    const file = join(directory, "file.yaml");
    await writeFile(file, "steps: {a: {run: x}}\n");
    await expect(loadWorkflowFile(join(file, "inner.yaml"))).rejects.toMatchObject({
      message: `cannot read workflow ${join(file, "inner.yaml")}: a component of the path is not a directory`,
    });
  });

  it("reports positions in a file that starts with a byte order mark", () => {
    const bytes = new Uint8Array([
      0xef,
      0xbb,
      0xbf,
      ...new TextEncoder().encode("steps:\n  a: {rn: x}\n"),
    ]);
    const result = parseWorkflow(bytes, "/w/bom.yaml");
    expect(
      result.ok ? [] : result.problems.map((problem) => formatProblem("bom.yaml", problem)),
    ).toEqual([
      'bom.yaml:2:3: steps.a: missing required key "run"',
      'bom.yaml:2:7: steps.a.rn: unknown key "rn" (did you mean "run"?)',
    ]);
  });
});

describe("text encoding", () => {
  const report = (bytes: Uint8Array) => {
    const result = parseWorkflow(bytes, "/w/enc.yaml");
    return result.ok ? [] : result.problems.map((problem) => formatProblem("enc.yaml", problem));
  };
  const utf8 = (text: string) => new TextEncoder().encode(text);

  it("points at the first byte that is not UTF-8, counting columns in characters", () => {
    // "ü" is two bytes but one column; the Latin-1 "é" (0xE9) after it is the culprit.
    const bytes = new Uint8Array([
      ...utf8("name: x\nsteps: {a: {run: über caf"),
      0xe9,
      ...utf8("}}\n"),
    ]);
    expect(report(bytes)).toEqual([
      "enc.yaml:2:26: the file is not UTF-8 text: byte 0xE9 is not valid UTF-8 here; save the file as UTF-8",
    ]);
  });

  it("counts columns after a byte order mark as the YAML parser does", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("ab"), 0xc0, 0xaf]);
    expect(report(bytes)).toEqual([
      "enc.yaml:1:3: the file is not UTF-8 text: byte 0xC0 is not valid UTF-8 here; save the file as UTF-8",
    ]);
  });

  it("rejects overlong forms, surrogates and a character cut off at the end", () => {
    const at = (bytes: number[]) => report(new Uint8Array([...utf8("x: "), ...bytes]))[0];
    expect(at([0xe0, 0x80, 0xaf])).toMatch(/^enc\.yaml:1:4: .* byte 0xE0 /);
    expect(at([0xed, 0xa0, 0x80])).toMatch(/^enc\.yaml:1:4: .* byte 0xED /);
    expect(at([0xf4, 0x90, 0x80, 0x80])).toMatch(/^enc\.yaml:1:4: .* byte 0xF4 /);
    expect(at([0x41, 0xe2, 0x82])).toMatch(/^enc\.yaml:1:5: .* byte 0xE2 /);
  });

  it("recognises UTF-16 by its byte order mark or by NULs every other byte", () => {
    const text = "steps:\n  a: {run: x}\n";
    const utf16le = new Uint8Array(Buffer.from(text, "utf16le"));
    const utf16be = new Uint8Array(utf16le.length);
    for (let index = 0; index < utf16le.length; index += 2) {
      utf16be[index] = utf16le[index + 1] ?? 0;
      utf16be[index + 1] = utf16le[index] ?? 0;
    }
    const message = "enc.yaml:1:1: the file is UTF-16; save it as UTF-8";
    expect(report(new Uint8Array([0xff, 0xfe, ...utf16le]))).toEqual([message]);
    expect(report(new Uint8Array([0xfe, 0xff, ...utf16be]))).toEqual([message]);
    expect(report(utf16le)).toEqual([message]);
    expect(report(utf16be)).toEqual([message]);
  });
});

describe("step ids JavaScript objects treat specially", () => {
  it("refuses __proto__ at its line and column", () => {
    const result = parseWorkflow("steps:\n  a: {run: x}\n  __proto__: {run: y}\n", "/w/p.yaml");
    expect(
      result.ok ? [] : result.problems.map((problem) => formatProblem("p.yaml", problem)),
    ).toEqual([
      'p.yaml:3:3: steps.__proto__: invalid step id "__proto__": expected letters, digits, "_", "." and "-", starting with a letter or digit (step ids become file names)',
    ]);
  });

  it("runs constructor, prototype and toString like any other id", () => {
    const result = parseWorkflow(
      "steps:\n  constructor: {run: a}\n  prototype: {run: b, needs: [constructor]}\n  toString: {run: c, needs: prototype, env: {constructor: x}}\n",
      "/w/names.yaml",
    );
    expect(
      result.ok && result.workflow.steps.map((step) => [step.id, step.run, step.needs, step.env]),
    ).toEqual([
      ["constructor", "a", [], {}],
      ["prototype", "b", ["constructor"], {}],
      ["toString", "c", ["prototype"], { constructor: "x" }],
    ]);
  });
});
