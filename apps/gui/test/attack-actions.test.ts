// Actions on a run of another host (meta.json's startedOn is not this server's host): its
// executor answers only there, so cancel and resume are refused with 409 E_RUN_ELSEWHERE and
// advice that fits the action. A resume was told to run `runyard cancel --ssh`.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runWorkflow } from "@runyard/executor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GuiServer, startGuiServer } from "../src/index.js";

let scratch: string;
let gui: GuiServer;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "runyard-gui-attack-actions-"));
  gui = await startGuiServer({
    runsRoot: join(scratch, "runs"),
    env: { ...process.env, RUNYARD_HOME: join(scratch, "home"), RUNYARD_HOSTNAME: "elsewhere" },
  });
});
afterAll(async () => {
  await gui?.close();
  rmSync(scratch, { recursive: true, force: true });
});

function post(path: string) {
  return fetch(`http://127.0.0.1:${gui.port}/api/${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${gui.token}` },
  });
}

describe("a run of another host", () => {
  it("is not resumed from here, with the advice to resume it there", async () => {
    const workflowFile = join(scratch, "fails.yaml");
    writeFileSync(workflowFile, "name: fails\nsteps:\n  a: { run: 'exit 3' }\n");
    const run = await runWorkflow({ workflowFile, runsRoot: join(scratch, "runs") });

    const resume = await post(`runs/${run.runId}/resume`);
    expect(resume.status).toBe(409);
    const { error } = (await resume.json()) as { error: { code: string; hint: string } };
    expect(error.code).toBe("E_RUN_ELSEWHERE");
    expect(error.hint).toContain(`runyard resume ${run.runId.slice(-8)}`);
    expect(error.hint).not.toContain("cancel");

    // Ended: a cancel is refused for that first.
    const cancel = await post(`runs/${run.runId}/cancel`);
    expect(cancel.status).toBe(409);
    expect(((await cancel.json()) as { error: { code: string } }).error.code).toBe("E_RUN_ENDED");
  });
});
