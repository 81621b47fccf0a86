import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, REPO, useScratch } from "./cli.js";
import { copyRun, realRun, runIdFor } from "./fixtures.js";

const scratch = useScratch();

interface PsLine {
  runId: string;
  state: string;
  reason?: string;
  error?: string;
  problems?: string[];
  endedAt?: string | null;
}

async function psJson(args: string[] = []): Promise<PsLine[]> {
  const result = await cli(["ps", "--json", ...args], { runsDir: scratch.runsDir });
  expect(result.code).toBe(0);
  return result.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as PsLine);
}

describe("runyard ps", () => {
  it("with -n 3 reads only the newest three runs and says how many it left out", async () => {
    const source = await realRun(scratch.runsDir);
    // The oldest run is unreadable: reading it would print a warning.
    mkdirSync(join(scratch.runsDir, runIdFor(1)));
    for (let index = 2; index <= 6; index += 1) copyRun(source, scratch.runsDir, runIdFor(index));
    const ps = await cli(["ps", "-n", "3"], { runsDir: scratch.runsDir });
    expect(ps.code).toBe(0);
    const rows = ps.stdout.trimEnd().split("\n").slice(1);
    expect(rows.map((row) => row.split(/\s+/)[0])).toEqual([
      source.slice(-36),
      runIdFor(6),
      runIdFor(5),
    ]);
    expect(ps.stderr).toBe("(4 older runs not shown; -n 0 shows all)\n");

    const all = await cli(["ps", "-n", "0"], { runsDir: scratch.runsDir });
    expect(all.stderr).toContain(`warning: unreadable run ${runIdFor(1)}: `);
  });

  it("lists thousands of runs within a small open-files limit, none called unreadable", async () => {
    const source = await realRun(scratch.runsDir);
    for (let index = 1; index <= 400; index += 1) copyRun(source, scratch.runsDir, runIdFor(index));
    const ps = await cli(["ps", "-n", "0"], { runsDir: scratch.runsDir, shell: "ulimit -n 128" });
    expect(ps.stderr).toBe("");
    expect(ps.code).toBe(0);
    expect(ps.stdout.trimEnd().split("\n")).toHaveLength(402);
  });

  it("warns about a corrupt status.json instead of showing 0/0 steps", async () => {
    const directory = await realRun(scratch.runsDir);
    writeFileSync(join(directory, "status.json"), '{"steps": [');
    const ps = await cli(["ps"], { runsDir: scratch.runsDir });
    expect(ps.code).toBe(0);
    expect(ps.stdout.trimEnd().split("\n")[1]).toMatch(/hello\s+success\s.*\s-$/);
    expect(ps.stderr).toMatch(
      new RegExp(`^warning: run ${directory.slice(-36)}: status\\.json: invalid JSON`, "m"),
    );
    const [json] = await psJson();
    expect(json?.problems?.[0]).toContain("status.json: invalid JSON");
  });

  it("keeps unreadable runs in --json, with state unreadable and the error", async () => {
    const directory = await realRun(scratch.runsDir);
    const broken = runIdFor(1);
    mkdirSync(join(scratch.runsDir, broken));
    writeFileSync(join(scratch.runsDir, broken, "meta.json"), "{");
    const lines = await psJson();
    expect(lines.map((line) => [line.runId, line.state])).toEqual([
      [directory.slice(-36), "success"],
      [broken, "unreadable"],
    ]);
    expect(lines[1]?.error).toMatch(/meta\.json: invalid JSON/);
  });

  it("takes run_summary.jsonl's run-end when meta.json was never finalised", async () => {
    // What a full disk leaves: the summary got its last line, meta.json did not.
    const directory = await realRun(scratch.runsDir, "examples/failing.yaml");
    const metaFile = join(directory, "meta.json");
    const meta = JSON.parse(readFileSync(metaFile, "utf8"));
    writeFileSync(metaFile, JSON.stringify({ ...meta, finalStatus: null, endedAt: null }));
    const [run] = await psJson();
    expect(run).toMatchObject({
      state: "failed",
      reason: "meta.json was not finalised; run_summary.jsonl says failed",
    });
    expect(run?.endedAt).toMatch(/^\d{4}-/);
    const ps = await cli(["ps"], { runsDir: scratch.runsDir });
    expect(ps.stdout).toMatch(/failing\s+failed\s/);

    // Without the run-end line the executor is gone and nothing says how it ended.
    const summary = join(directory, "run_summary.jsonl");
    const lines = readFileSync(summary, "utf8").trimEnd().split("\n");
    writeFileSync(summary, `${lines.slice(0, -1).join("\n")}\n`);
    expect((await psJson())[0]?.state).toBe("crashed");
  });

  it("says a run directory was written by a newer Runyard", async () => {
    const directory = await realRun(scratch.runsDir);
    const metaFile = join(directory, "meta.json");
    const meta = JSON.parse(readFileSync(metaFile, "utf8"));
    writeFileSync(metaFile, JSON.stringify({ ...meta, schemaVersion: 99 }));
    const ps = await cli(["ps"], { runsDir: scratch.runsDir });
    expect(ps.stderr).toContain(
      `warning: run ${directory.slice(-36)}: meta.json: written by a newer Runyard (schema version 99); upgrade runyard`,
    );
  });

  it("refuses an empty --runs-dir instead of listing the working directory", async () => {
    const workflow = join(REPO, "examples/hello.yaml");
    for (const command of [["ps"], ["logs", "latest"], ["run", workflow]]) {
      const result = await cli([...command, "--runs-dir", ""], {
        runsDir: scratch.runsDir,
        cwd: scratch.directory,
      });
      expect([command[0], result.code]).toEqual([command[0], 2]);
      expect(result.stderr).toContain("error: --runs-dir needs a directory, got an empty value");
    }
  });
});
