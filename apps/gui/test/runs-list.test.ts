// GET /api/runs as the page polls it: `limit`, and rows that follow the runs' files — a run
// whose status.json, timeline or meta.json changed is read again, a removed run drops out —
// though the server keeps the rows of ended runs between requests.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { RUN_FILES } from "@runyard/schema";
import { RUN_VIEW_SETTLE_MS } from "@runyard/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GuiServer, RunsResponseSchema, startGuiServer } from "../src/index.js";
import { makeRuns } from "./run-fixtures.js";

let scratch: string;
let runsRoot: string;
let gui: GuiServer;
let runIds: string[];

async function list(query = "") {
  const response = await fetch(`http://127.0.0.1:${gui.port}/api/runs${query}`, {
    headers: { authorization: `Bearer ${gui.token}` },
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

async function rows(query = "") {
  const { status, body } = await list(query);
  expect(status).toBe(200);
  return RunsResponseSchema.parse(body);
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "runyard-gui-list-"));
  runsRoot = join(scratch, "runs");
  const workflowFile = join(scratch, "flow.yaml");
  writeFileSync(
    workflowFile,
    "name: flow\nsteps:\n  a: { run: 'echo a' }\n  b: { run: 'echo b' }\n",
  );
  runIds = await makeRuns({ runsRoot, workflowFile, count: 5 });
  // Files changed within the last moments are never trusted to show their next change: wait
  // until these have settled, so the rows below are kept between requests.
  await sleep(RUN_VIEW_SETTLE_MS + 100);
  gui = await startGuiServer({ runsRoot });
}, 30_000);

afterAll(async () => {
  await gui?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe("GET /api/runs", () => {
  it("returns the newest `limit` runs, and refuses a limit out of 1..10000", async () => {
    const all = await rows();
    expect(all.runs.map((run) => run.runId)).toEqual(runIds);
    expect(all.runs.every((run) => run.state === "success")).toBe(true);
    const newest = await rows("?limit=2");
    expect(newest.runs.map((run) => run.runId)).toEqual(runIds.slice(0, 2));
    expect(newest.total).toBe(5);
    for (const query of ["?limit=0", "?limit=10001", "?limit=-1", "?limit=x", "?limt=3"]) {
      const refused = await list(query);
      expect(refused.status, query).toBe(400);
      expect(refused.body).toMatchObject({ error: { code: "E_BAD_REQUEST" } });
    }
  });

  it("reads a run again when its status, timeline or meta changed, and drops a removed run", async () => {
    await rows();
    const [first, second, third, fourth] = runIds.map((runId) => join(runsRoot, runId)) as [
      string,
      string,
      string,
      string,
    ];
    const rowOf = (response: Awaited<ReturnType<typeof rows>>, directory: string) =>
      response.runs.find((run) => join(runsRoot, run.runId) === directory);

    // status.json in place: a step now failed.
    const status = join(first, RUN_FILES.status);
    const statusJson = JSON.parse(readFileSync(status, "utf8")) as {
      steps: { status: string }[];
    };
    (statusJson.steps[0] as { status: string }).status = "failed";
    writeFileSync(status, JSON.stringify(statusJson));
    // The timeline: a line appended that is not JSON.
    appendFileSync(join(second, RUN_FILES.summary), "{not json\n");
    // meta.json: the run now ended in failure.
    const meta = join(third, RUN_FILES.meta);
    writeFileSync(meta, readFileSync(meta, "utf8").replace('"success"', '"failed"'));
    rmSync(fourth, { recursive: true });

    const after = await rows();
    expect(rowOf(after, first)?.steps.failed).toBe(1);
    expect(rowOf(after, second)?.timeline.state).toBe("damaged");
    expect(rowOf(after, third)?.state).toBe("failed");
    expect(rowOf(after, fourth)).toBeUndefined();
    expect(after.total).toBe(4);
    expect(after.runs).toHaveLength(4);
  });
});
