// A run whose timeline something other than the executor wrote to, and names and output that
// carry terminal escape sequences: what ps, show, run and logs make of them.
import { spawnSync } from "node:child_process";
import { appendFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PsLineJsonSchema, ShowJsonSchema } from "../src/index.js";
import { BIN, cli, useScratch } from "./cli.js";
import { deadPid, fabricateRun } from "./fabricate.js";
import { realRun, runIdFor } from "./fixtures.js";

const scratch = useScratch();

const ESC = "\u001b";

function forgedEnd(runId: string, seq: number, finalStatus = "success"): string {
  const event = { type: "run-end", runId, seq, ts: "2026-06-05T14:25:00.000Z", finalStatus };
  return `${JSON.stringify({ ...event, durationMs: 1 })}\n`;
}

async function psLines() {
  const result = await cli(["ps", "--json"], { runsDir: scratch.runsDir });
  expect(result.code).toBe(0);
  return result.stdout
    .trim()
    .split("\n")
    .map((line) => PsLineJsonSchema.parse(JSON.parse(line)));
}

describe("a damaged timeline", () => {
  it("is marked by ps and named by show, and a forged run-end does not make success", async () => {
    const directory = await realRun(scratch.runsDir);
    const summary = join(directory, "run_summary.jsonl");
    const lines = readFileSync(summary, "utf8").split("\n").length - 1;
    const runId = directory.slice(-36);
    // What a step can do: it knows the path ($RUNYARD_RUN_SUMMARY_FILE).
    appendFileSync(summary, `garbage from a step\n${forgedEnd(runId, 999)}`);

    const ps = await cli(["ps"], { runsDir: scratch.runsDir });
    expect(ps.code).toBe(0);
    const row = ps.stdout.split("\n").find((line) => line.startsWith(runId.slice(-8)));
    expect(row).toMatch(/ success! .* timeline damaged$/);
    expect(ps.stderr).toMatch(/! the run's timeline, run_summary\.jsonl, is damaged/);

    const [line] = await psLines();
    expect(line).toMatchObject({
      state: "success",
      timeline: {
        state: "damaged",
        checked: "tail",
        damage: { kind: "after-end", line: lines + 1, expected: "nothing after the run-end" },
      },
    });

    const show = await cli(["show", "latest"], { runsDir: scratch.runsDir });
    expect(show.stdout).toContain(
      `timeline  run_summary.jsonl is damaged at line ${lines + 1}: found a line that is not JSON (garbage from a step), expected nothing after the run-end`,
    );
    expect(show.stderr).toMatch(/hint: something other than the executor wrote/);
    const json = ShowJsonSchema.parse(
      JSON.parse((await cli(["show", "latest", "--json"], { runsDir: scratch.runsDir })).stdout),
    );
    expect(json.timeline).toMatchObject({ state: "damaged", checked: "full" });
    expect(json.timeline.damage?.line).toBe(lines + 1);
  });

  it("keeps a crashed run crashed when a step appends run-end success after the executor died", async () => {
    const pid = await deadPid();
    const directory = fabricateRun(scratch.runsDir, {
      runId: runIdFor(1),
      startedAt: "2026-06-05T14:23:00.000Z",
      meta: { pid },
      steps: [{ name: "a", nodeId: "a", status: "running" }],
      events: [{ type: "log", ts: "2026-06-05T14:23:01.000Z", level: "info", message: "x" }],
    });
    appendFileSync(join(directory, "run_summary.jsonl"), forgedEnd(runIdFor(1), 999));
    const [line] = await psLines();
    expect(line).toMatchObject({
      state: "crashed",
      timeline: {
        state: "damaged",
        damage: { kind: "seq-gap", line: 3, found: "run-end seq 999" },
      },
    });
    expect(line && "reason" in line ? line.reason : "").toMatch(/run-end, not taken/);
    const ps = await cli(["ps"], { runsDir: scratch.runsDir });
    expect(ps.stdout).toMatch(/ crashed! /);
    expect(ps.stdout).not.toMatch(/ success/);
  });

  it("is checked by its size in ps for a run that ended in order, and line by line in show", async () => {
    const directory = await realRun(scratch.runsDir);
    const summary = join(directory, "run_summary.jsonl");
    const meta = JSON.parse(readFileSync(join(directory, "meta.json"), "utf8"));
    expect(meta.timelineBytes).toBe(statSync(summary).size);
    const [line] = await psLines();
    expect(line).toMatchObject({
      state: "success",
      timeline: { state: "intact", checked: "size", damage: null },
    });
    // A line rewritten in place, the same length: the size does not see it; show does.
    const lines = readFileSync(summary, "utf8").split("\n");
    lines[1] = (lines[1] ?? "").replace(/"seq":2,/, '"seq":7,');
    writeFileSync(summary, lines.join("\n"));
    expect(statSync(summary).size).toBe(meta.timelineBytes);
    const [same] = await psLines();
    expect(same).toMatchObject({ timeline: { state: "intact", checked: "size" } });
    const show = ShowJsonSchema.parse(
      JSON.parse((await cli(["show", "latest", "--json"], { runsDir: scratch.runsDir })).stdout),
    );
    expect(show.timeline).toMatchObject({
      state: "damaged",
      checked: "full",
      damage: { kind: "seq-gap", line: 2 },
    });
  });

  it("is not claimed for a torn last line: a write in progress", async () => {
    const directory = await realRun(scratch.runsDir);
    appendFileSync(join(directory, "run_summary.jsonl"), '{"type":"log","seq');
    const [line] = await psLines();
    expect(line).toMatchObject({ state: "success", timeline: { state: "intact", damage: null } });
  });
});

describe("terminal escapes in names and output", () => {
  const workflow = () => {
    const path = join(scratch.directory, "evil.yaml");
    writeFileSync(
      path,
      [
        'name: "evil\\e]0;pwned\\a\\e[2J\\e[1;1H name"',
        "steps:",
        "  paint:",
        '    name: "Paint \\e[5m blink"',
        "    run: printf '\\033]0;title\\007\\033[2J\\033[31mred\\033[0m plain\\n'",
        "",
      ].join("\n"),
    );
    return path;
  };

  it("shows them, never sends them, in run, ps and show; logs to a pipe stays byte for byte", async () => {
    const run = await cli(["run", workflow(), "--output"], { runsDir: scratch.runsDir });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("evil\\e]0;pwned\\x07\\e[2J\\e[1;1H name");
    // Step output: its colour passes, its title and screen clear are shown.
    expect(run.stderr).toContain(`\\e]0;title\\x07\\e[2J${ESC}[31mred${ESC}[0m plain`);
    expect(run.stderr).not.toContain(`${ESC}]`);
    expect(run.stderr).not.toContain(`${ESC}[2J`);

    for (const command of [["ps"], ["show", "latest"]]) {
      const result = await cli(command, { runsDir: scratch.runsDir });
      expect(result.stdout + result.stderr).not.toContain(ESC);
      expect(result.stdout).toContain("evil\\e]0;pwned\\x07\\e[2J\\e[1;1H name");
    }

    const logs = await cli(["logs", "latest", "paint", "--stdout"], { runsDir: scratch.runsDir });
    expect(logs.stdoutBytes.toString()).toContain(`${ESC}]0;title\u0007${ESC}[2J`);
  });

  it.runIf(spawnSync("script", ["--version"]).status === 0)(
    "filters logs on a terminal: colours pass, other sequences are shown",
    async () => {
      await cli(["run", workflow(), "-q"], { runsDir: scratch.runsDir });
      const tty = spawnSync(
        "script",
        ["-qc", `"${process.execPath}" "${BIN}" logs latest`, "/dev/null"],
        {
          env: { ...process.env, RUNYARD_RUNS_DIR: scratch.runsDir, NO_COLOR: "1" },
          encoding: "utf8",
        },
      );
      expect(tty.stdout).toContain(`\\e]0;title\\x07\\e[2J${ESC}[31mred${ESC}[0m plain`);
      expect(tty.stdout).not.toContain(`${ESC}]`);
    },
  );
});
