// A crashed run's Slurm jobs: the executor is gone, but its jobs may not be — they outlive it
// on purpose, and `runyard resume` adopts them. `ps` and `show` ask Slurm about them in one
// `squeue` call for every run they list, and only for crashed runs whose steps had jobs queued
// or running (status.json has their ids): listing runs costs nothing more otherwise — not even
// the executor package's load, which only such a run brings in.
import type { RunView } from "@runyard/store";
import type { SlurmJobJson } from "./json/run.js";

/**
 * The jobs of a crashed run's unended Slurm attempts, as status.json last had them. A step
 * pending again between two attempts (retries) keeps the job of the one that ended (endedAt):
 * that job is not left running.
 */
function jobsOf(view: RunView): { stepId: string; jobId: string }[] {
  if (view.classification !== "crashed" || view.status === null) return [];
  return view.status.steps.flatMap((step) =>
    step.backend === "slurm" &&
    step.jobId !== undefined &&
    step.endedAt === undefined &&
    (step.status === "running" || step.status === "pending")
      ? [{ stepId: step.nodeId, jobId: step.jobId }]
      : [],
  );
}

export interface LeftJobs {
  /** By run id: each crashed run's jobs with Slurm's state now; runs without any are absent. */
  byRun: Map<string, SlurmJobJson[]>;
  /** By run id: those that may still be queued or running (or that Slurm could not be asked about). */
  going: Map<string, SlurmJobJson[]>;
  /** Why Slurm could not be asked (their state is UNKNOWN then). */
  problem?: string;
}

/** The Slurm jobs crashed runs among `views` left, and what Slurm says of them now. */
export async function slurmJobsLeft(
  views: readonly RunView[],
  env: NodeJS.ProcessEnv,
): Promise<LeftJobs> {
  const wanted = views
    .map((view) => ({ runId: view.runId, jobs: jobsOf(view) }))
    .filter((entry) => entry.jobs.length > 0);
  if (wanted.length === 0) return { byRun: new Map(), going: new Map() };
  const { LIVE_JOB_STATES, slurmJobStates } = await import("@runyard/executor");
  const answer = await slurmJobStates(
    wanted.flatMap((entry) => entry.jobs.map((job) => job.jobId)),
    env,
  );
  const stateOf = (jobId: string) =>
    "states" in answer ? (answer.states.get(jobId) ?? "UNKNOWN") : "UNKNOWN";
  const byRun = new Map(
    wanted.map((entry) => [
      entry.runId,
      entry.jobs.map((job) => ({ ...job, state: stateOf(job.jobId) })),
    ]),
  );
  const going = new Map(
    [...byRun].map(([runId, jobs]) => [
      runId,
      jobs.filter((job) => LIVE_JOB_STATES.has(job.state) || job.state === "UNKNOWN"),
    ]),
  );
  return {
    byRun,
    going,
    ...("error" in answer
      ? { problem: `cannot ask Slurm about crashed runs' jobs: ${answer.error}` }
      : {}),
  };
}

/**
 * "2 Slurm jobs still run: 2691 (long, RUNNING), 2692 (queued, PENDING)" for jobs that go on
 * (LeftJobs.going); "" for none.
 */
export function jobsWords(going: readonly SlurmJobJson[]): string {
  if (going.length === 0) return "";
  const known = going.every((job) => job.state !== "UNKNOWN");
  const count = going.length === 1 ? "1 Slurm job" : `${going.length} Slurm jobs`;
  const verb = known ? (going.length === 1 ? "still runs" : "still run") : "may still run";
  const list = going
    .map((job) => `${job.jobId} (${job.stepId}${job.state === "UNKNOWN" ? "" : `, ${job.state}`})`)
    .join(", ");
  return `${count} ${verb}: ${list}`;
}
