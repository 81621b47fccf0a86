import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { workflowFile } from "../test/helpers.js";
import { ParamsError } from "./errors.js";
import { runWorkflow } from "./run-workflow.js";

const WITH_PARAMS = `name: align
params:
  sample:
    description: the sample to align
  threads: 4
steps:
  show:
    run: echo "$sample with $threads threads"
`;

const stdoutOf = (directory: string, stepId: string) => {
  const name = readdirSync(directory).find((entry) => entry.endsWith(`-${stepId}.out`)) as string;
  return readFileSync(join(directory, name), "utf8");
};

describe("workflow params", () => {
  it("reach steps as environment variables and are recorded in meta.json", async () => {
    const { file, runsRoot } = workflowFile(WITH_PARAMS);
    const result = await runWorkflow({
      workflowFile: file,
      runsRoot,
      params: { sample: "NA12878" },
    });
    expect(result.finalStatus).toBe("success");
    expect(stdoutOf(result.runDirectory, "show")).toBe("NA12878 with 4 threads\n");
    const meta = JSON.parse(readFileSync(join(result.runDirectory, "meta.json"), "utf8"));
    expect(meta.params).toEqual({ sample: "NA12878", threads: "4" });
  });

  it("refuse a missing required param or an unknown one before making a run directory", async () => {
    const { file, runsRoot } = workflowFile(WITH_PARAMS);
    const missing = runWorkflow({ workflowFile: file, runsRoot, params: { thread: "8" } });
    await expect(missing).rejects.toBeInstanceOf(ParamsError);
    await expect(missing).rejects.toThrow(
      `${file}: 2 problems with the params\nunknown param "thread" (did you mean "threads"?)\nmissing a value for param "sample" (the sample to align)`,
    );
    expect(existsSync(runsRoot) ? readdirSync(runsRoot) : []).toEqual([]);
  });
});
