// What the Slurm benchmark runs against: the project's test cluster (tooling/slurm), workflows
// of N independent Slurm steps, the bash loop that is its baseline, a directory of wrappers
// that log each Slurm command the executor starts (given to it as RUNYARD_SLURM_BIN), and the
// clean-up of every job the bench submitted.
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { SLURM_COMMANDS } from "@runyard/executor";

export { SLURM_COMMANDS };

const TEST_CLUSTER_CONF = "/tmp/runyard-slurm/slurm.conf";

/** The environment the bench's Slurm commands run with: SLURM_CONF of the test cluster if unset. */
export function slurmEnvironment(base = process.env) {
  const env = { ...base, NO_COLOR: "1" };
  if (!env.SLURM_CONF && existsSync(TEST_CLUSTER_CONF)) env.SLURM_CONF = TEST_CLUSTER_CONF;
  return env;
}

/** Why Slurm cannot be benchmarked here; undefined when `sinfo` answers. */
export function slurmMissing(env) {
  const info = spawnSync("sinfo", ["-h", "-o", "%P %a"], { env, encoding: "utf8" });
  if (info.error) return "sinfo is not on PATH";
  if (info.status !== 0) return `sinfo failed: ${info.stderr.trim().split("\n").at(-1)}`;
  return undefined;
}

/** A workflow of `count` independent Slurm steps running `true`, with `slurm:` options if any. */
export function slurmWorkflow(name, count, slurm) {
  const lines = [`name: ${name}`, "defaults:", "  backend: slurm"];
  if (slurm) lines.push(`  slurm: ${JSON.stringify(slurm)}`);
  lines.push("steps:");
  const width = String(count).length;
  for (let index = 1; index <= count; index += 1)
    lines.push(`  s${String(index).padStart(width, "0")}: { run: "true" }`);
  return `${lines.join("\n")}\n`;
}

/**
 * The baseline, as a user would write it without Runyard: submit the jobs one `sbatch` at a
 * time, then poll `squeue` at the same interval until none is left. Job ids go to `$3/ids`.
 */
export const BASELINE_SCRIPT = `#!/bin/bash
# usage: baseline.sh COUNT INTERVAL_SECONDS DIRECTORY
count=$1 interval=$2 directory=$3
ids=()
for ((i = 0; i < count; i++)); do
  id=$(sbatch --parsable --job-name=runyard-bench-baseline \\
    --output="$directory/%j.out" --error="$directory/%j.err" --wrap true) || exit 1
  ids+=("\${id%%;*}")
  echo "\${id%%;*}" >> "$directory/ids"
done
list=$(IFS=,; echo "\${ids[*]}")
while :; do
  left=$(squeue -h -j "$list" -o %i) || { sleep "$interval"; continue; }
  [ -z "$left" ] && break
  sleep "$interval"
done
`;

/**
 * A directory with one script per Slurm command that appends "<epoch seconds> <command>" to
 * `log` and execs the real command (found on PATH now).
 */
export function writeWrappers(directory, log, env) {
  for (const command of SLURM_COMMANDS) {
    const real = (env.PATH ?? "")
      .split(delimiter)
      .map((entry) => join(entry, command))
      .find((path) => path.startsWith("/") && existsSync(path));
    if (!real) throw new Error(`${command} is not on PATH`);
    const script = join(directory, command);
    writeFileSync(
      script,
      `#!/bin/bash\nprintf '%s %s\\n' "$EPOCHREALTIME" ${command} >> '${log}'\nexec '${real}' "$@"\n`,
    );
    chmodSync(script, 0o755);
  }
}

/** Calls in a wrapper log between `from` and `to` (epoch seconds), per command. */
export function countCalls(log, from, to) {
  const counts = Object.fromEntries(SLURM_COMMANDS.map((command) => [command, 0]));
  const text = existsSync(log) ? readFileSync(log, "utf8") : "";
  for (const line of text.split("\n")) {
    const [at, command] = line.split(" ");
    const time = Number(at);
    if (command in counts && time >= from && time < to) counts[command] += 1;
  }
  return counts;
}

/** A command to its exit: wall milliseconds, stdout, stderr; rejects after `timeoutMs`. */
export function timed(command, args, { env, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const limit = setTimeout(() => {
      child.kill("SIGINT");
      reject(new Error(`${args[0] ?? command}: still running after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(limit);
      resolve({ code, ms: performance.now() - began, stdout, stderr });
    });
  });
}

/** The job ids a run's status.json holds, one per Slurm step that was submitted. */
export function runJobIds(runDirectory) {
  try {
    const status = JSON.parse(readFileSync(join(runDirectory, "status.json"), "utf8"));
    return status.steps.map((step) => step.jobId).filter((id) => id !== undefined);
  } catch {
    return []; // not written yet
  }
}

/** Slurm's view of jobs (one squeue call): id → { state, reason, submit, start, end } (ms). */
export function jobsInSlurm(ids, env) {
  const jobs = new Map();
  if (ids.length === 0) return jobs;
  const shown = spawnSync(
    "squeue",
    ["-h", "--states=all", "-j", ids.join(","), "-o", "%i|%T|%r|%V|%S|%e"],
    { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  for (const line of shown.stdout.split("\n")) {
    const [id, state, reason, submit, start, end] = line.trim().split("|");
    if (!id || !state) continue;
    const time = (text) => (text && /^\d{4}-/.test(text) ? new Date(text).getTime() : Number.NaN);
    jobs.set(id, { state, reason, submit: time(submit), start: time(start), end: time(end) });
  }
  return jobs;
}

/** First submit to last end of jobs, in Slurm's own (whole-second) times. */
export function slurmSpanMs(ids, env) {
  const jobs = [...jobsInSlurm(ids, env).values()];
  if (jobs.length < ids.length) return Number.NaN;
  return Math.max(...jobs.map((job) => job.end)) - Math.min(...jobs.map((job) => job.submit));
}

const LIVE = new Set(["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED"]);

/** scancel every job of `ids` Slurm still has live; how many there were. */
export function cancelLeftovers(ids, env) {
  const live = [...jobsInSlurm([...ids], env)]
    .filter(([, job]) => LIVE.has(job.state))
    .map(([id]) => id);
  if (live.length > 0) spawnSync("scancel", live, { env });
  return live.length;
}
