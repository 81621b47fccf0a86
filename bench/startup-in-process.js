// The baseline of the start-up bench: a one-step run the way `runyard run` did it before the
// executor became its own process — load the executor into this process and run the workflow.
import { runWorkflow } from "@runyard/executor";

const result = await runWorkflow({
  workflowFile: process.argv[2],
  runsRoot: process.env.RUNYARD_RUNS_DIR,
});
process.exitCode = result.finalStatus === "success" ? 0 : 1;
