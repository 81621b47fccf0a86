// A step the machine cannot start: the executor (the built one, in a process of its own so its
// open-files limit can be lowered for real) runs out of descriptors. Each step it cannot start
// fails with the reason, the others run, and the run ends in order: no unhandled "error" event.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { workflowFile } from "../test/helpers.js";

const BUILT = fileURLToPath(new URL("../dist/index.js", import.meta.url));

describe("a step that cannot be started for want of descriptors", () => {
  it("fails with EMFILE as its reason, and the run goes on to its end", () => {
    const steps = Array.from({ length: 100 }, (_, index) => `  s${index}: {run: sleep 0.3}\n`);
    const { file, runsRoot } = workflowFile(`steps:\n${steps.join("")}`);
    const script = `
      const { runWorkflow } = await import(${JSON.stringify(BUILT)});
      const result = await runWorkflow({ workflowFile: ${JSON.stringify(file)}, runsRoot: ${JSON.stringify(runsRoot)}, maxParallel: 100 });
      process.stdout.write(result.finalStatus);
    `;
    // Enough descriptors for Node to load and for some steps (each takes two for its captures,
    // and two pipes without the spawner), not for 100.
    const child = spawnSync(
      "sh",
      ["-c", 'ulimit -n 128 && exec "$0" --input-type=module -e "$1"', process.execPath, script],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
    expect(child.stdout).toBe("failed");
    const [runId] = readdirSync(runsRoot);
    const events = readFileSync(join(runsRoot, runId as string, "run_summary.jsonl"), "utf8")
      .trimEnd()
      .split("\n")
      .map(
        (line) =>
          JSON.parse(line) as {
            type: string;
            status?: string;
            reason?: string;
            finalStatus?: string;
          },
      );
    expect(events.at(-1)).toMatchObject({ type: "run-end", finalStatus: "failed" });
    const ends = events.filter((event) => event.type === "step-end");
    expect(ends).toHaveLength(100);
    const failed = ends.filter((event) => event.status === "failed");
    expect(failed.length).toBeGreaterThan(0);
    expect(ends.length - failed.length).toBeGreaterThan(0);
    for (const end of failed) {
      expect(end.reason).toMatch(
        /^could not start: (cannot create its captures: )?too many open files \(EMFILE\)$/,
      );
    }
  });
});
