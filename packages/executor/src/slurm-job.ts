// What a Slurm step needs besides watching its job: where Slurm's commands are (and, when
// they are not, the refusal that names the step), and the job itself — its name, its files,
// its sbatch options and the job script that runs the step and writes its exit code — and the
// one-off questions asked of Slurm outside a run (ps, show, rm, cancel).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { basename, delimiter, dirname, join } from "node:path";
import type { ResolvedStep, SlurmOptions } from "@runyard/schema";
import type { CaptureTarget } from "./backend.js";
import { RunOptionsError, SlurmUnavailableError } from "./errors.js";

/**
 * How many Slurm jobs a run has queued or running at once, by default (as Nextflow's
 * queueSize): its Slurm steps do not count in maxParallel, which bounds what runs on the
 * login node.
 */
export const SLURM_MAX_JOBS = 100;

/** `maxSlurmJobs` as given, checked; SLURM_MAX_JOBS when not given. */
export function checkMaxSlurmJobs(value: number | undefined): number {
  const limit = value ?? SLURM_MAX_JOBS;
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RunOptionsError(`maxSlurmJobs must be a positive integer, not ${limit}`);
  return limit;
}

/** The job name of a step's attempts: `runyard-<the run id's last 8>-<step>`. */
export function jobName(runId: string, stepId: string): string {
  return `runyard-${runId.slice(-8)}-${stepId}`;
}

/** The attempt's files beside its captures: NNNNNN-<step>.exit, and the stem they share. */
export function attemptFiles(captures: CaptureTarget) {
  const runDirectory = dirname(captures.outPath);
  const stem = basename(captures.outPath).replace(/\.out$/, "");
  return { runDirectory, stem, exitFile: join(runDirectory, `${stem}.exit`) };
}

/** `squeue -o %i|%j|%T` lines: each job's name and state, by id. */
export function queueLines(stdout: string): Map<string, { name: string; state: string }> {
  const jobs = new Map<string, { name: string; state: string }>();
  for (const line of stdout.split("\n")) {
    const [id, name, state] = line.trim().split("|");
    if (id !== undefined && /^\d+$/.test(id))
      jobs.set(id, { name: name ?? "", state: state ?? "" });
  }
  return jobs;
}

/** Who owns the jobs (squeue -u). */
export function userName(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? "");
  }
}

/** The Slurm commands the backend runs. */
export const SLURM_COMMANDS = ["sbatch", "squeue", "scontrol", "sacct", "scancel"] as const;
/** Those a run cannot do without (scontrol and sacct only look up jobs that left the queue). */
const REQUIRED = ["sbatch", "squeue", "scancel"] as const;

/**
 * Where a Slurm command is: in $RUNYARD_SLURM_BIN when it is set (a site whose Slurm is not on
 * PATH), else the first on PATH; undefined when there is none.
 */
export function findSlurmCommand(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const directories = env.RUNYARD_SLURM_BIN
    ? [env.RUNYARD_SLURM_BIN]
    : (env.PATH ?? "").split(delimiter);
  for (const directory of directories) {
    if (directory && existsSync(join(directory, name))) return join(directory, name);
  }
  return undefined;
}

/** The first Slurm command a run needs that is not here; undefined when Slurm is. */
export function missingSlurmCommand(env: NodeJS.ProcessEnv): string | undefined {
  return REQUIRED.find((command) => findSlurmCommand(command, env) === undefined);
}

/** Why a workflow's Slurm steps cannot run here (naming the first of them). */
export function slurmProblem(
  workflow: { steps: readonly { id: string; backend: string }[] },
  env: NodeJS.ProcessEnv,
): SlurmUnavailableError | undefined {
  const onSlurm = workflow.steps.find((step) => step.backend === "slurm");
  const missing = onSlurm === undefined ? undefined : missingSlurmCommand(env);
  return onSlurm === undefined || missing === undefined
    ? undefined
    : new SlurmUnavailableError(onSlurm.id, missing);
}

/** sbatch's arguments for a step's `slurm:` options, in the order a user would write them. */
export function sbatchOptions(slurm: SlurmOptions | undefined): string[] {
  if (slurm === undefined) return [];
  const args: string[] = [];
  const add = (flag: string, value: string | number | undefined) => {
    if (value !== undefined) args.push(`--${flag}=${value}`);
  };
  add("partition", slurm.partition);
  add("account", slurm.account);
  add("qos", slurm.qos);
  add("time", slurm.time);
  add("nodes", slurm.nodes);
  add("ntasks", slurm.ntasks);
  add("cpus-per-task", slurm.cpusPerTask);
  add("mem", slurm.mem);
  add("gpus", slurm.gpus);
  add("constraint", slurm.constraint);
  return [...args, ...(slurm.extraArgs ?? [])];
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The job script: the step as a local step runs, then its exit code into its exit file. */
export function jobScript(step: ResolvedStep, exitFile: string): string {
  return [
    "#!/bin/bash",
    `# Runyard job script: step ${step.id.replaceAll("\n", " ")}`,
    `bash -c ${shellQuote(step.run)}`,
    "code=$?",
    `printf '%s\\n' "$code" > ${shellQuote(`${exitFile}.tmp`)} && mv -f ${shellQuote(`${exitFile}.tmp`)} ${shellQuote(exitFile)}`,
    'exit "$code"',
    "",
  ].join("\n");
}

/** Job states in which a job is still queued or running: it goes on without an executor. */
export const LIVE_JOB_STATES: ReadonlySet<string> = new Set([
  "PENDING",
  "CONFIGURING",
  "RUNNING",
  "COMPLETING",
  "REQUEUED",
  "RESIZING",
  "SUSPENDED",
  "STOPPED",
  "SIGNALING",
]);

/**
 * What Slurm says of `jobIds` now, in one `squeue` call: each job's state (PENDING, RUNNING,
 * COMPLETED, …; "ENDED" for a job Slurm no longer shows), or why Slurm could not be asked. For `ps` and
 * `show` of a crashed run, whose Slurm jobs may outlive it.
 */
export function slurmJobStates(
  jobIds: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ states: Map<string, string> } | { error: string }> {
  const ids = [...new Set(jobIds)].filter((id) => /^\d+$/.test(id));
  if (ids.length === 0) return Promise.resolve({ states: new Map() });
  const squeue = findSlurmCommand("squeue", env);
  if (squeue === undefined)
    return Promise.resolve({ error: "squeue is not on PATH here (or in $RUNYARD_SLURM_BIN)" });
  return new Promise((resolve) => {
    execFile(
      squeue,
      ["-h", "--states=all", "-j", ids.join(","), "-o", "%i|%T"],
      { env, timeout: 10_000, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        // Every id unknown to Slurm (ended and forgotten) is an error for squeue: they ended.
        if (error && !/Invalid job id/i.test(stderr)) {
          const why = stderr.trim().split("\n").at(-1) || error.message;
          resolve({ error: `squeue failed: ${why}` });
          return;
        }
        const states = new Map(ids.map((id) => [id, "ENDED"]));
        for (const line of stdout.split("\n")) {
          const [id, state] = line.trim().split("|");
          if (id !== undefined && state && states.has(id)) states.set(id, state);
        }
        resolve({ states });
      },
    );
  });
}

/** Cancels `jobIds` (one `scancel`); resolves with why it could not, or undefined. */
export function scancelJobs(
  jobIds: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  const ids = [...new Set(jobIds)].filter((id) => /^\d+$/.test(id));
  if (ids.length === 0) return Promise.resolve(undefined);
  const scancel = findSlurmCommand("scancel", env);
  if (scancel === undefined)
    return Promise.resolve("scancel is not on PATH here (or in $RUNYARD_SLURM_BIN)");
  return new Promise((resolve) => {
    execFile(scancel, ids, { env, timeout: 30_000 }, (error, _stdout, stderr) => {
      // A job that ended meanwhile is no failure: it is gone either way.
      if (error && !/Invalid job id|already completing|completed/i.test(stderr))
        resolve(`scancel failed: ${stderr.trim().split("\n").at(-1) || error.message}`);
      else resolve(undefined);
    });
  });
}
