// POST /api/workflows/inspect on real files: a valid workflow's steps and params, an invalid
// one's problems with their lines (as `runyard validate` prints them) and what can be read of
// it, and files that are not workflows — missing, a directory, a named pipe, too large.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GuiServer, startGuiServer, WorkflowInspectResponseSchema } from "../src/index.js";

let scratch: string;
let gui: GuiServer;

async function inspect(body: unknown) {
  const response = await fetch(`http://127.0.0.1:${gui.port}/api/workflows/inspect`, {
    method: "POST",
    headers: { authorization: `Bearer ${gui.token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "runyard-gui-inspect-"));
  // No Slurm for this server: RUNYARD_SLURM_BIN names where its commands would be.
  gui = await startGuiServer({
    runsRoot: join(scratch, "runs"),
    env: { ...process.env, RUNYARD_SLURM_BIN: join(scratch, "no-slurm") },
  });
});

afterAll(async () => {
  await gui?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe("POST /api/workflows/inspect", () => {
  it("tells a valid workflow's steps and params, with their defaults as written", async () => {
    const workflowFile = file(
      "good.yaml",
      [
        "name: mesh-study",
        "params:",
        "  RESOLUTION: { type: number, default: 64, choices: [32, 64, 128] }",
        "  CASE: { description: Which case to run }",
        "  VERBOSE: false",
        "steps:",
        "  mesh: { run: 'echo mesh' }",
        "  solve:",
        "    name: Solve it",
        "    run: 'echo solve'",
        "    needs: mesh",
        "    foreach: [a, b]",
        "  report: { run: 'echo report', needs: [solve], if: always }",
        "",
      ].join("\n"),
    );
    const { status, body } = await inspect({ workflowFile });
    expect(status).toBe(200);
    const inspected = WorkflowInspectResponseSchema.parse(body);
    expect(inspected).toMatchObject({ workflowFile, name: "mesh-study", ok: true, problems: [] });
    expect(inspected.steps).toEqual([
      { id: "mesh", name: "mesh", needs: [], foreach: false, if: null, backend: "local" },
      { id: "solve", name: "Solve it", needs: ["mesh"], foreach: true, if: null, backend: "local" },
      {
        id: "report",
        name: "report",
        needs: ["solve"],
        foreach: false,
        if: "always",
        backend: "local",
      },
    ]);
    expect(inspected.params).toEqual([
      {
        name: "RESOLUTION",
        type: "number",
        default: 64,
        choices: [32, 64, 128],
        description: null,
        required: false,
      },
      {
        name: "CASE",
        type: "string",
        default: null,
        choices: null,
        description: "Which case to run",
        required: true,
      },
      {
        name: "VERBOSE",
        type: "boolean",
        default: false,
        choices: null,
        description: null,
        required: false,
      },
    ]);
  });

  it("gives every problem of an invalid workflow with its line, and what it can of the rest", async () => {
    const workflowFile = file(
      "bad.yaml",
      [
        "name: broken",
        "params:",
        "  N: 3",
        "steps:",
        "  build: { run: make }",
        "  test:",
        "    run: make test",
        "    needs: [biuld]",
        "  deploy: { run: 'echo deploy', timeout: soon }",
        "",
      ].join("\n"),
    );
    const inspected = WorkflowInspectResponseSchema.parse((await inspect({ workflowFile })).body);
    expect(inspected.ok).toBe(false);
    expect(inspected.name).toBe("broken");
    const needs = inspected.problems.find((problem) => problem.path === "steps.test.needs[0]");
    expect(needs).toMatchObject({ line: 8 });
    expect(needs?.message).toContain("biuld");
    expect(
      inspected.problems.find((problem) => problem.path === "steps.deploy.timeout"),
    ).toMatchObject({ line: 9 });
    expect(inspected.steps.map((step) => [step.id, step.needs])).toEqual([
      ["build", []],
      ["test", ["biuld"]],
      ["deploy", []],
    ]);
    expect(inspected.params).toMatchObject([{ name: "N", type: "number", default: 3 }]);
  });

  it("answers YAML that does not parse with its line, and no steps", async () => {
    const workflowFile = file("torn.yaml", "name: torn\nsteps:\n  a: { run: 'x'\n");
    const inspected = WorkflowInspectResponseSchema.parse((await inspect({ workflowFile })).body);
    expect(inspected).toMatchObject({ ok: false, steps: [], params: [], name: null });
    expect(inspected.problems[0]?.line).toBeGreaterThan(0);
  });

  it("says a Slurm step would be refused on a host without Slurm, with a hint", async () => {
    const workflowFile = file("slurm.yaml", "steps:\n  a: { run: 'x', backend: slurm }\n");
    const inspected = WorkflowInspectResponseSchema.parse((await inspect({ workflowFile })).body);
    expect(inspected.ok).toBe(false);
    expect(inspected.name).toBe("slurm");
    expect(inspected.problems).toEqual([
      expect.objectContaining({
        path: "steps.a.backend",
        line: 2,
        message: 'step "a" runs on Slurm (backend: slurm), but sbatch is not on PATH here',
        hint: expect.stringContaining("RUNYARD_SLURM_BIN"),
      }),
    ]);
    expect(inspected.steps[0]?.backend).toBe("slurm");
  });

  it("refuses what is not a workflow file, naming the path, without waiting on a pipe", async () => {
    const pipe = join(scratch, "pipe.yaml");
    execFileSync("mkfifo", [pipe]);
    const big = file("big.yaml", "");
    truncateSync(big, 11 * 1024 * 1024);
    const cases: [string, number, string][] = [
      [join(scratch, "missing.yaml"), 404, "no such file"],
      [scratch, 400, "directory"],
      [pipe, 400, "named pipe"],
      [big, 400, "limit"],
    ];
    for (const [workflowFile, status, words] of cases) {
      const answer = await inspect({ workflowFile });
      expect(answer.status, workflowFile).toBe(status);
      expect(answer.body).toMatchObject({ error: { code: "E_WORKFLOW_READ" } });
      const { message } = (answer.body as { error: { message: string } }).error;
      expect(message).toContain(workflowFile);
      expect(message).toContain(words);
    }
  });

  it("refuses a relative path and unknown fields", async () => {
    for (const body of [{ workflowFile: "good.yaml" }, { workflowFile: "/x.yaml", extra: 1 }, {}]) {
      const answer = await inspect(body);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: "E_BAD_REQUEST" } });
    }
  });
});
