// `watchdog-bin.js <run directory> <run id> <executor pid>`: what the crash watchdog
// (watchdog.ts) becomes when the executor is gone without finishing its run. Stops every
// process of the run's unfinished steps and says so in executor.log (its stdout and stderr).
import { reapStrayProcesses } from "./crash-reaper.js";

const [runDirectory, runId, executorPid] = process.argv.slice(2);
if (runDirectory === undefined || runId === undefined || executorPid === undefined) {
  process.stderr.write("usage: watchdog-bin.js <run directory> <run id> <executor pid>\n");
  process.exit(2);
}

function stamp(message: string): void {
  try {
    process.stderr.write(
      `${new Date().toISOString()} runyard-watchdog[${process.pid}]: ${message}\n`,
    );
  } catch {
    // executor.log cannot be written (a full disk): the reaping matters more than the line.
  }
}
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);

const result = await reapStrayProcesses(runDirectory, runId);
const what =
  result.stopped === 0
    ? "no step process was left"
    : `stopped ${result.stopped} process${result.stopped === 1 ? "" : "es"} of step${result.steps.length === 1 ? "" : "s"} ${result.steps.join(", ")}`;
stamp(`the executor (pid ${executorPid}) ended without finishing the run: ${what}`);
if (result.survivors > 0)
  stamp(`${result.survivors} process${result.survivors === 1 ? "" : "es"} survived SIGKILL`);
