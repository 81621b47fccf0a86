// The Slurm backend against the project's test cluster (tooling/slurm): (1) the wall time of
// 100 Slurm steps of `true` through `runyard run`, against a bash loop that submits the same
// jobs with `sbatch --wrap true` and polls `squeue` at the same interval, with the default poll
// interval (5 s) and a short one; (2) how many Slurm commands the executor runs per poll
// interval while 100 jobs stay queued (held), and while 10 do — it must not grow with the
// count. Runs by `run-all.js` (`--only slurm`; a smaller variant with --quick) or alone:
// `node bench/slurm.js [--quick] [--no-save] [--rounds N]`.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { describeMachine, loadAverage } from "./lib/machine.js";
import {
  BASELINE_SCRIPT,
  cancelLeftovers,
  countCalls,
  jobsInSlurm,
  runJobIds,
  SLURM_COMMANDS,
  slurmEnvironment,
  slurmMissing,
  slurmSpanMs,
  slurmWorkflow,
  timed,
  writeWrappers,
} from "./lib/slurm-fixtures.js";
import { formatSeconds, roundOrder, summarize } from "./lib/stats.js";

const CLI = fileURLToPath(new URL("../apps/cli/dist/bundle/runyard.js", import.meta.url));
const RESULTS = fileURLToPath(new URL("./results/", import.meta.url));
const DEFAULT_POLL_MS = 5000;
const SHORT_POLL_MS = 500;
const CALLS_TARGET = 2;

/** One `runyard run` of the wall-time workflow, attached, to its end. */
async function timeRunyard({ env, workflowFile, runsRoot, count, pollMs, jobs }) {
  const ran = await timed(
    process.execPath,
    [
      CLI,
      "run",
      "-q",
      "--json",
      workflowFile,
      "--runs-dir",
      runsRoot,
      "--max-slurm-jobs",
      String(count),
    ],
    { env: { ...env, RUNYARD_SLURM_POLL_MS: String(pollMs) }, timeoutMs: 600_000 },
  );
  const result = JSON.parse(ran.stdout || "{}");
  const ids = result.runDirectory ? runJobIds(result.runDirectory) : [];
  for (const id of ids) jobs.add(id);
  if (ran.code !== 0 || result.finalStatus !== "success" || ids.length !== count)
    throw new Error(`runyard run: exit ${ran.code}, ${ids.length} jobs: ${ran.stderr.trim()}`);
  return { ms: ran.ms, spanMs: slurmSpanMs(ids, env) };
}

/** The bash loop: sbatch the jobs one by one, then poll squeue until none is left. */
async function timeBaseline({ env, script, directory, count, pollMs, jobs }) {
  mkdirSync(directory, { recursive: true });
  const ran = await timed("bash", [script, String(count), String(pollMs / 1000), directory], {
    env,
    timeoutMs: 600_000,
  });
  const ids = runIdsFile(join(directory, "ids"));
  for (const id of ids) jobs.add(id);
  if (ran.code !== 0 || ids.length !== count)
    throw new Error(`baseline: exit ${ran.code}, ${ids.length} jobs: ${ran.stderr.trim()}`);
  return { ms: ran.ms, spanMs: slurmSpanMs(ids, env) };
}

function runIdsFile(file) {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean);
  } catch {
    return []; // the first sbatch failed
  }
}

/** (1) Runyard and the bash loop, interleaved, at one poll interval. */
async function wallTime({ env, scratch, workflowFile, count, pollMs, rounds, jobs, log }) {
  const samples = { runyard: [], baseline: [] };
  const script = join(scratch, "baseline.sh");
  for (let round = 0; round < rounds; round += 1) {
    for (const name of roundOrder(["runyard", "baseline"], round)) {
      const tag = `${count}-${pollMs}-${round}-${name}`;
      const sample =
        name === "runyard"
          ? await timeRunyard({
              env,
              workflowFile,
              runsRoot: join(scratch, "runs"),
              count,
              pollMs,
              jobs,
            })
          : await timeBaseline({ env, script, directory: join(scratch, tag), count, pollMs, jobs });
      samples[name].push(sample);
      log(`  poll ${pollMs} ms, round ${round + 1}/${rounds}: ${name} ${formatSeconds(sample.ms)}`);
    }
  }
  return samples;
}

/**
 * (2) Runs of held jobs, all at once, each executor with its own wrapper directory: the Slurm
 * commands each one starts during `windowMs` once all its jobs are queued.
 */
async function callsWhileQueued({ env, scratch, variants, windowMs, jobs, log }) {
  const runs = [];
  try {
    for (const variant of variants) {
      const name = `held-${variant.count}-${variant.pollMs}`;
      const bin = join(scratch, `bin-${name}`);
      const callLog = join(scratch, `${name}.log`);
      mkdirSync(bin);
      writeWrappers(bin, callLog, env);
      const workflowFile = join(scratch, `${name}.yaml`);
      writeFileSync(workflowFile, slurmWorkflow(name, variant.count, { extraArgs: ["--hold"] }));
      const runsRoot = join(scratch, "runs-held");
      const runEnv = {
        ...env,
        RUNYARD_SLURM_BIN: bin,
        RUNYARD_SLURM_POLL_MS: String(variant.pollMs),
      };
      const started = await timed(
        process.execPath,
        [
          CLI,
          "run",
          "-d",
          "--json",
          workflowFile,
          "--runs-dir",
          runsRoot,
          "--max-slurm-jobs",
          String(variant.count),
        ],
        { env: runEnv, timeoutMs: 60_000 },
      );
      if (started.code !== 0) throw new Error(`runyard run -d: ${started.stderr.trim()}`);
      const { runId, runDirectory } = JSON.parse(started.stdout);
      runs.push({ ...variant, name, callLog, runsRoot, runId, runDirectory, env: runEnv });
    }
    // Every job submitted (its id in status.json) before the window opens.
    const deadline = Date.now() + 120_000;
    for (const run of runs) {
      while (runJobIds(run.runDirectory).length < run.count) {
        if (Date.now() > deadline) throw new Error(`${run.name}: jobs not all submitted in 120 s`);
        await sleep(200);
      }
      for (const id of runJobIds(run.runDirectory)) jobs.add(id);
    }
    const from = Date.now() / 1000;
    log(
      `  ${runs.length} runs of held jobs queued; counting their Slurm calls for ${windowMs / 1000} s`,
    );
    await sleep(windowMs);
    const to = Date.now() / 1000;
    for (const run of runs) {
      const states = [...jobsInSlurm(runJobIds(run.runDirectory), env).values()];
      const calls = countCalls(run.callLog, from, to);
      const total = Object.values(calls).reduce((sum, value) => sum + value, 0);
      const intervals = (to - from) / (run.pollMs / 1000);
      run.result = {
        count: run.count,
        pollMs: run.pollMs,
        seconds: to - from,
        calls,
        total,
        intervals,
        perInterval: total / intervals,
        stillQueued: states.filter((job) => job.state === "PENDING").length,
        reasons: [...new Set(states.map((job) => job.reason))],
      };
    }
  } finally {
    // All at once: a run polled every 5 s takes up to that long to see its jobs cancelled.
    await Promise.all(
      runs.map(async (run) => {
        const cancelled = await timed(
          process.execPath,
          [
            CLI,
            "cancel",
            run.runId,
            "--runs-dir",
            run.runsRoot,
            "--wait",
            "--reason",
            "bench over",
          ],
          { env: run.env, timeoutMs: 120_000 },
        ).catch((error) => ({ code: -1, stderr: error.message }));
        // --wait exits with the run's status: 1 for the cancelled run.
        if (cancelled.code !== 0 && cancelled.code !== 1)
          log(`  cancel ${run.name}: exit ${cancelled.code} ${cancelled.stderr.trim()}`);
      }),
    );
  }
  return runs;
}

export async function runSlurmBench({ quick = false, save = true, rounds } = {}) {
  const env = slurmEnvironment();
  const missing = slurmMissing(env);
  if (missing) {
    console.log(
      `slurm: skipped — ${missing} (start the test cluster: bash tooling/slurm/start-slurm.sh, as root; export SLURM_CONF=/tmp/runyard-slurm/slurm.conf)`,
    );
    return true;
  }
  const count = quick ? 20 : 100;
  const repetitions = rounds ?? (quick ? 1 : 3);
  const windowMs = quick ? 30_000 : 60_000;
  const started = new Date();
  const machine = describeMachine();

  console.log(
    `slurm: ${count} Slurm steps of \`true\` through the CLI bundle (runyard run -q --max-slurm-jobs ${count}: the CLI and the detached executor, two Node starts) against a bash loop (sbatch --parsable --wrap true, then squeue until none is left), ${repetitions} interleaved round(s) per poll interval; ${machine.cpus} CPUs, node ${machine.node}` +
      `${machine.nodeExtraCaCerts ? ", NODE_EXTRA_CA_CERTS set (each of Runyard's two Node starts pays ~60 ms for it)" : ""}; load average ${machine.loadAverageAtStart.join(" ")}; SLURM_CONF=${env.SLURM_CONF}`,
  );
  const log = (line) => console.log(line);
  const scratch = mkdtempSync(join(tmpdir(), "runyard-bench-slurm-"));
  const jobs = new Set();
  const cleanUp = () => {
    const left = cancelLeftovers(jobs, env);
    if (left > 0) log(`  scancel: ${left} job(s) the bench submitted were still live`);
    rmSync(scratch, { recursive: true, force: true });
  };
  const interrupted = () => {
    cleanUp();
    process.exit(130);
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  const report = { startedAt: started.toISOString(), quick, count, repetitions, machine };
  try {
    writeFileSync(join(scratch, "baseline.sh"), BASELINE_SCRIPT);
    const workflowFile = join(scratch, `wall-${count}.yaml`);
    writeFileSync(workflowFile, slurmWorkflow(`wall-${count}`, count));
    // A warm-up of 5 jobs each (the file cache, the first Node starts); not with --quick.
    if (!quick)
      await wallTime({
        env,
        scratch,
        workflowFile: writeWarmUp(scratch),
        count: 5,
        pollMs: SHORT_POLL_MS,
        rounds: 1,
        jobs,
        log: () => {},
      });
    report.wall = [];
    for (const pollMs of [DEFAULT_POLL_MS, SHORT_POLL_MS]) {
      const samples = await wallTime({
        env,
        scratch,
        workflowFile,
        count,
        pollMs,
        rounds: repetitions,
        jobs,
        log,
      });
      report.wall.push({ pollMs, ...samples });
    }
    const variants = [
      { count: 100, pollMs: DEFAULT_POLL_MS },
      { count: 10, pollMs: DEFAULT_POLL_MS },
      { count: 100, pollMs: SHORT_POLL_MS },
      { count: 10, pollMs: SHORT_POLL_MS },
    ];
    const runs = await callsWhileQueued({ env, scratch, variants, windowMs, jobs, log });
    report.calls = runs.map((run) => run.result);
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
    cleanUp();
  }
  report.machine.loadAverageAtEnd = loadAverage();
  const met = printReport(report);
  if (save) {
    mkdirSync(RESULTS, { recursive: true });
    const file = join(
      RESULTS,
      `${started.toISOString().slice(0, 10)}-${machine.host}-slurm${quick ? "-quick" : ""}.json`,
    );
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`  written: ${file}`);
  }
  return met;
}

function writeWarmUp(scratch) {
  const file = join(scratch, "warm-up.yaml");
  writeFileSync(file, slurmWorkflow("warm-up", 5));
  return file;
}

const seconds = (s) =>
  `${formatSeconds(s.median)} (${formatSeconds(s.min)}–${formatSeconds(s.max)})`;

function printReport(report) {
  console.log(
    `\n  (1) ${report.count} Slurm steps of \`true\`: wall time, median (min–max) of ${report.repetitions}; Slurm's span is its first submit to its last end (whole seconds)`,
  );
  for (const { pollMs, ...samples } of report.wall) {
    const runyard = summarize(samples.runyard.map((sample) => sample.ms));
    const baseline = summarize(samples.baseline.map((sample) => sample.ms));
    const ratios = samples.runyard.map((sample, index) => sample.ms / samples.baseline[index].ms);
    const range = summarize(ratios);
    const span = (list) => formatSeconds(summarize(list.map((sample) => sample.spanMs)).median);
    console.log(
      `  poll ${String(pollMs).padStart(4)} ms${pollMs === DEFAULT_POLL_MS ? " (default)" : ""}: runyard ${seconds(runyard)}, bash loop ${seconds(baseline)}: ${(runyard.median / baseline.median).toFixed(2)}× (rounds ${range.min.toFixed(2)}–${range.max.toFixed(2)}×); Slurm span ${span(samples.runyard)} / ${span(samples.baseline)}`,
    );
  }
  console.log(
    "\n  (2) Slurm commands the executor runs while its jobs stay queued (sbatch --hold), counted by wrappers in RUNYARD_SLURM_BIN",
  );
  let met = true;
  for (const run of report.calls) {
    const each = SLURM_COMMANDS.map((command) => `${command} ${run.calls[command]}`).join(", ");
    const ok = run.perInterval <= CALLS_TARGET;
    met &&= ok;
    console.log(
      `  ${String(run.count).padStart(3)} jobs, poll ${String(run.pollMs).padStart(4)} ms: ${run.total} calls in ${run.seconds.toFixed(0)} s (${each}) = ${run.perInterval.toFixed(2)} per poll interval, ${((run.total / run.seconds) * 60).toFixed(0)} per minute; target ≤ ${CALLS_TARGET} — ${ok ? "met" : "NOT MET"}; ${run.stillQueued}/${run.count} still queued (${run.reasons.join(", ")})`,
    );
  }
  return met;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      "no-save": { type: "boolean", default: false },
      rounds: { type: "string" },
    },
  });
  try {
    await runSlurmBench({
      quick: values.quick,
      save: !values["no-save"],
      ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
    });
  } catch (error) {
    console.error(`bench slurm: ${error.stack ?? error.message}`);
    process.exitCode = 1;
  }
}
