// `runyard resume` as a user meets it: a failed run fixed and resumed (the view starts at the
// resume and ends with the run's status), `--detach` and `--json`, `show` naming the resumes,
// `attach` of a resumed run showing both executors' lines to the last end, and the refusals
// (a run that succeeded, an unknown run).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { cli, useScratch } from "./cli.js";

const scratch = useScratch();

function workflow(): string {
  const file = join(scratch.directory, "flaky.yaml");
  writeFileSync(
    file,
    `name: flaky
steps:
  fetch:
    run: echo "fetched"; echo "URL=https://example.org/data" >> "$RUNYARD_OUTPUT"
  check:
    needs: fetch
    run: test -f "$HERE/fixed" || { echo "not fixed yet" >&2; exit 4; }
  publish:
    needs: check
    run: echo "published $URL"; echo "WHERE=$URL" >> "$RUNYARD_OUTPUT"
return:
  step: publish
  output: WHERE
`,
  );
  return file;
}

describe("runyard resume", () => {
  it("resumes a failed run after a fix: only what did not complete runs, and the value returns", async () => {
    const file = workflow();
    const env = { HERE: scratch.directory };
    const first = await cli(["run", file], { runsDir: scratch.runsDir, env });
    expect(first.code).toBe(1);
    writeFileSync(join(scratch.directory, "fixed"), "");
    const resumed = await cli(["resume", "latest"], { runsDir: scratch.runsDir, env });
    expect(resumed.stderr).toMatch(/resumed run .* \(it was failed; completed steps are kept\)/);
    // The view starts at the resume: fetch is not shown again, check and publish are.
    expect(resumed.stderr).not.toMatch(/fetch +started/);
    expect(resumed.stderr).toMatch(/check +started \(attempt 2\)/);
    expect(resumed.stderr).toMatch(/^success in /m);
    expect(resumed.stdout).toBe("https://example.org/data\n");
    expect(resumed.code).toBe(0);

    const show = await cli(["show", "latest"], { runsDir: scratch.runsDir });
    expect(show.stdout).toMatch(/^resumed +1 time, last .*it was failed\)$/m);
    const json = JSON.parse(
      (await cli(["show", "latest", "--json"], { runsDir: scratch.runsDir })).stdout,
    );
    expect(json.resumes).toEqual([expect.objectContaining({ previous: "failed" })]);
    expect(json.state).toBe("success");

    // attach replays both executors' lines and ends at the last end, with its status.
    const attach = await cli(["attach", "latest"], { runsDir: scratch.runsDir });
    expect(attach.code).toBe(0);
    expect(attach.stderr).toMatch(/failed in [\s\S]*resumed run [\s\S]*success in/);

    // Succeeded: nothing to resume, and nothing changed.
    const again = await cli(["resume", "latest"], { runsDir: scratch.runsDir, env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/succeeded: there is nothing to resume/);
    expect(again.stderr).toMatch(/runyard rerun/);
  });

  it("--detach --json returns at once with the run, which ends on its own", async () => {
    const file = workflow();
    const env = { HERE: scratch.directory };
    await cli(["run", "-q", file], { runsDir: scratch.runsDir, env });
    writeFileSync(join(scratch.directory, "fixed"), "");
    const detached = await cli(["resume", "latest", "--detach", "--json"], {
      runsDir: scratch.runsDir,
      env,
    });
    expect(detached.code).toBe(0);
    const started = JSON.parse(detached.stdout);
    expect(started).toMatchObject({ runId: expect.any(String), pid: expect.any(Number) });
    const attach = await cli(["attach", started.runId], { runsDir: scratch.runsDir });
    expect(attach.code).toBe(0);
  });

  it("says what it needs when the run is missing or not given", async () => {
    const missing = await cli(["resume", "deadbeef"], { runsDir: scratch.runsDir });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/deadbeef/);
    const none = await cli(["resume"], { runsDir: scratch.runsDir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/usage: runyard resume <run>/);
  });

  it("the sweep example, killed in the middle and resumed, ends as an uninterrupted run does", async () => {
    const whole = await cli(["run", "-q", "--json", "examples/sweep.yaml"], {
      runsDir: scratch.runsDir,
    });
    const expected = JSON.parse(whole.stdout);
    expect(expected).toMatchObject({ finalStatus: "success", returnValue: "nu=0.01" });
    const csv = readFileSync(join(expected.runDirectory, "artifacts/residuals.csv"), "utf8");

    const detached = await cli(
      ["run", "--detach", "--json", "examples/sweep.yaml", "-p", "pause=3"],
      { runsDir: scratch.runsDir },
    );
    const { runDirectory: directory } = JSON.parse(detached.stdout);
    const status = () => JSON.parse(readFileSync(join(directory, "status.json"), "utf8"));
    // Killed while the loop's first instances run (after plan completed).
    await vi.waitFor(
      () =>
        expect(
          status().steps.some(
            (step: { nodeId: string; status: string }) =>
              step.nodeId.startsWith("solve[") && step.status === "running",
          ),
        ).toBe(true),
      { timeout: 20_000, interval: 50 },
    );
    const meta = JSON.parse(readFileSync(join(directory, "meta.json"), "utf8"));
    process.kill(meta.pid, "SIGKILL");
    const resumed = await vi.waitFor(
      async () => {
        const result = await cli(["resume", "-q", "--json", meta.runId], {
          runsDir: scratch.runsDir,
        });
        // Until the reader sees the executor gone, the run is still "running".
        if (result.stderr.includes("is running")) throw new Error(result.stderr);
        return result;
      },
      { timeout: 20_000, interval: 200 },
    );
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({
      finalStatus: "success",
      returnValue: expected.returnValue,
    });
    expect(readFileSync(join(directory, "artifacts/residuals.csv"), "utf8")).toBe(csv);
    const names = readdirSync(directory);
    // plan completed before the kill: it did not run again.
    expect(names.filter((name) => /^\d{6}-plan\.out$/.test(name))).toHaveLength(1);
    const show = JSON.parse(
      (await cli(["show", meta.runId, "--json"], { runsDir: scratch.runsDir })).stdout,
    );
    expect(show.resumes).toEqual([expect.objectContaining({ previous: "crashed" })]);
    expect(show.timeline.state).toBe("intact");
    expect(
      show.steps
        .filter((step: { status: string }) => step.status === "completed")
        .map((step: { id: string }) => step.id)
        .sort(),
    ).toEqual([
      "collect",
      "plan",
      "probe-fallback",
      "report",
      "solve",
      "solve[0.01]",
      "solve[0.02]",
      "solve[0.05]",
    ]);
  });
});
