// `watchdog-bin.js <run directory> <run id> <executor pid> [<seconds since the epoch>]`: what
// the crash watchdog (watchdog.ts) becomes when the executor is gone without finishing its run.
// Stops every process of the run's unfinished steps and says so in executor.log (its stdout and
// stderr). The last argument is when the watchdog noticed; the SIGKILL that follows the SIGTERM
// goes out at most 0.5 s after it (and at least 0.1 s after the SIGTERM), however slowly this
// process started, so that no step outlives its executor by more than about 1 s.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REAPER_NAMES, reapStrayProcesses } from "./crash-reaper.js";

const [runDirectory, runId, executorPid, noticed] = process.argv.slice(2);
/** EPOCHREALTIME, in the locale's decimal notation (a comma in some). */
const noticedAt = Number((noticed ?? "").replace(",", ".")) * 1000;
const graceMs =
  Number.isFinite(noticedAt) && noticedAt > 0
    ? Math.max(100, Math.min(500, noticedAt + 500 - Date.now()))
    : 500;
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

/**
 * Whether meta.json says the run ended (its finalStatus, read without the schema package, like
 * the timeline): then the executor recorded the end before it went.
 */
function recordedEnd(): boolean {
  try {
    const meta = JSON.parse(readFileSync(join(runDirectory as string, REAPER_NAMES.meta), "utf8"));
    return typeof meta?.finalStatus === "string";
  } catch {
    return false;
  }
}

const result = await reapStrayProcesses(runDirectory, runId, { graceMs });
// The executor exited after recording the end (a failure it reported, an exit it could not
// announce to the watchdog) and left nothing running: nothing to say.
if (result.stopped === 0 && recordedEnd()) process.exit(0);
const what =
  result.stopped === 0
    ? "no step process was left"
    : `stopped ${result.stopped} process${result.stopped === 1 ? "" : "es"} of step${result.steps.length === 1 ? "" : "s"} ${result.steps.join(", ")}`;
stamp(`the executor (pid ${executorPid}) ended without finishing the run: ${what}`);
if (result.survivors > 0)
  stamp(`${result.survivors} process${result.survivors === 1 ? "" : "es"} survived SIGKILL`);
