// Hostile run directories on the live channel: an ended run whose run_summary.jsonl is damaged
// ends the channel with the run's status. A null finalStatus made the page reconnect every
// second, reading the same damage again, for as long as the tab stayed open.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runWorkflow } from "@runyard/executor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GuiServer, LiveLineSchema, startGuiServer } from "../src/index.js";

let scratch: string;
let gui: GuiServer;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "runyard-gui-attack-live-"));
  gui = await startGuiServer({
    runsRoot: join(scratch, "runs"),
    env: { ...process.env, RUNYARD_HOME: join(scratch, "home") },
    livePollMs: 50,
  });
});
afterAll(async () => {
  await gui?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe("live channel on a damaged timeline", () => {
  it("ends an ended run's channel with its status, not with a reconnect", async () => {
    const workflowFile = join(scratch, "two.yaml");
    writeFileSync(workflowFile, "name: two\nsteps:\n  a: { run: 'true' }\n  b: { run: 'true' }\n");
    const run = await runWorkflow({ workflowFile, runsRoot: join(scratch, "runs") });
    const summary = join(run.runDirectory, "run_summary.jsonl");
    const lines = readFileSync(summary, "utf8").split("\n");
    lines[2] = "{not an event";
    writeFileSync(summary, lines.join("\n"));

    const response = await fetch(`http://127.0.0.1:${gui.port}/api/runs/${run.runId}/live`, {
      headers: { authorization: `Bearer ${gui.token}` },
    });
    const text = await response.text();
    const live = text
      .trim()
      .split("\n")
      .map((line) => LiveLineSchema.parse(JSON.parse(line)));
    expect(live.map((line) => line.type)).toEqual(["start", "event", "event", "problem", "end"]);
    expect(live.at(-1)).toMatchObject({
      type: "end",
      finalStatus: "success",
      lastSeq: 2,
      reason: "the run's timeline is damaged",
    });
  });
});
