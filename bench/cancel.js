// Cancel cost: how much CPU stopping many steps takes and how close to the grace-period
// deadline the SIGKILL lands, against an idle timer of the same length measured in the same
// run (the machine's own timer lateness and background CPU). RUNYARD_BENCH_CANCEL_STEPS sets
// the number of steps (default 40).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runWorkflow } from "@runyard/executor";

const GRACE_MS = 1000;

function measure(action) {
  const cpu = process.cpuUsage();
  const began = performance.now();
  return action().then(() => {
    const elapsed = performance.now() - began;
    const { user, system } = process.cpuUsage(cpu);
    return { elapsed, core: (user + system) / 1000 / elapsed };
  });
}

export async function runCancelBench({ steps }) {
  const directory = mkdtempSync(join(tmpdir(), "runyard-bench-cancel-"));
  try {
    const file = join(directory, "stubborn.yaml");
    const body = Array.from(
      { length: steps },
      (_, index) => `  s${index}:\n    run: trap '' TERM; echo ready; sleep 120\n`,
    );
    writeFileSync(file, `steps:\n${body.join("")}`);
    const baseline = await measure(() => new Promise((resolve) => setTimeout(resolve, GRACE_MS)));

    const controller = new AbortController();
    let ready = 0;
    let allReady;
    const readyPromise = new Promise((resolve) => {
      allReady = resolve;
    });
    const running = runWorkflow({
      workflowFile: file,
      runsRoot: join(directory, "runs"),
      output: true,
      maxParallel: steps,
      killGraceMs: GRACE_MS,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "step-output" && event.data.includes("ready")) {
          ready += 1;
          if (ready === steps) allReady();
        }
      },
    });
    await readyPromise;
    const cancel = await measure(async () => {
      controller.abort("bench");
      await running;
    });
    return { baseline, cancel };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
