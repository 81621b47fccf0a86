// The crash watchdog's cost and speed (see docs/run-directory.md, "When the executor dies").
// Cost: runs of 100 and 1,000 `true` steps executed from a staged directory, with the watchdog
// and without, taking turns, so machine load hits both alike: the ratio must stay near 1 and
// must not grow with the number of steps (nothing is sent to the watchdog per step). Speed:
// a run of 20 steps that each hold processes, its executor SIGKILLed, timed until the last of
// their processes is gone. RUNYARD_BENCH_WATCHDOG sets the rounds (default 3).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { executeStagedRun, launchRun, processesOfRun } from "@runyard/executor";
import { newRunId, stageRunDirectory } from "@runyard/store";

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function fanOut(count) {
  const lines = ["name: fan-out", "steps:"];
  for (let index = 0; index < count; index += 1) lines.push(`  s${index}:`, "    run: 'true'");
  return `${lines.join("\n")}\n`;
}

async function timedRun(runsRoot, source, watchdog) {
  const runId = newRunId();
  const staged = await stageRunDirectory(runsRoot, {
    workflowSource: Buffer.from(source),
    launch: {
      schemaVersion: 1,
      runId,
      workflowFile: join(runsRoot, "fan-out.yaml"),
      workflowPath: "fan-out.yaml",
      cwd: runsRoot,
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
      params: [],
      maxParallel: 2,
      killGraceMs: 1000,
      launchedBy: { client: "bench", pid: process.pid, host: "bench" },
      createdAt: new Date().toISOString(),
    },
  });
  const began = performance.now();
  const result = await executeStagedRun(staged.staging, { watchdog });
  const elapsed = performance.now() - began;
  if (result.finalStatus !== "success") throw new Error(`run ended ${result.finalStatus}`);
  return elapsed;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function reapTime(directory) {
  const file = join(directory, "hold.yaml");
  const lines = ["name: hold", "steps:"];
  for (let index = 0; index < 20; index += 1)
    lines.push(
      `  h${index}:`,
      `    run: ${index % 2 ? "'sleep 60'" : "\"trap '' TERM; sleep 60 & wait\""}`,
    );
  writeFileSync(file, `${lines.join("\n")}\n`);
  const run = await launchRun({
    workflowFile: file,
    runsRoot: join(directory, "runs"),
    maxParallel: 20,
  });
  // Every step running (30 processes: the trapping ones are a bash and a sleep).
  for (let waited = 0; processesOfRun(run.runId).length < 30; waited += 20) {
    if (waited > 30_000) throw new Error("the steps did not all start");
    await sleep(20);
  }
  let watchdogRss = 0;
  for (const entry of readdirSync("/proc")) {
    try {
      if (
        readFileSync(`/proc/${entry}/cmdline`, "latin1").includes(
          `watchdog-bin.js\0${run.directory}`,
        )
      ) {
        const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, "latin1"));
        watchdogRss = Number(rss?.[1] ?? 0) * 1024;
      }
    } catch {
      // not a process, or gone
    }
  }
  process.kill(run.pid, "SIGKILL");
  const killed = performance.now();
  while (processesOfRun(run.runId).length > 0) await sleep(5);
  return { ms: performance.now() - killed, watchdogRss };
}

export async function runWatchdogBench({ rounds }) {
  const directory = mkdtempSync(join(tmpdir(), "runyard-bench-watchdog-"));
  try {
    const runsRoot = join(directory, "runs");
    const cost = {};
    for (const steps of [100, 1000]) {
      const source = fanOut(steps);
      const samples = { with: [], without: [] };
      await timedRun(runsRoot, source, true); // warm up
      for (let round = 0; round < rounds; round += 1) {
        const order = round % 2 ? ["with", "without"] : ["without", "with"];
        for (const variant of order)
          samples[variant].push(await timedRun(runsRoot, source, variant === "with"));
      }
      cost[steps] = { with: median(samples.with), without: median(samples.without) };
    }
    const reaps = [];
    for (let round = 0; round < rounds; round += 1) reaps.push(await reapTime(directory));
    return {
      cost,
      reapMs: median(reaps.map((reap) => reap.ms)),
      reapMaxMs: Math.max(...reaps.map((reap) => reap.ms)),
      watchdogRss: Math.max(...reaps.map((reap) => reap.watchdogRss)),
    };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
