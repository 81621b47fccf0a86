// The fields of a run that every `--json` gives (see json/run.ts), built from the store's view.
import type { RunView } from "@runyard/store";
import { lastSignOfLife, runDurationMs, runReason } from "./describe-run.js";
import type { RunJson, SlurmJobJson, TimelineJson } from "./json/run.js";

export interface RunJsonContext {
  /** This host's short name, to tell runs started elsewhere. */
  host: string;
  now: number;
  shortId: (runId: string) => string;
  /** The Slurm jobs crashed runs left, by run id (slurm-jobs.ts). */
  slurmJobs?: ReadonlyMap<string, SlurmJobJson[]>;
  /** Those of them that may still be queued or running (for the words, not the JSON). */
  slurmJobsGoing?: ReadonlyMap<string, SlurmJobJson[]>;
}

export function runJson(view: RunView, context: RunJsonContext): RunJson {
  const lastSeen = lastSignOfLife(view);
  return {
    runId: view.runId,
    shortId: context.shortId(view.runId),
    workflowName: view.meta.workflowName,
    workflowFile: view.meta.workflowFile,
    state: view.classification,
    reason: runReason(view),
    startedOn: view.meta.startedOn,
    otherHost: view.meta.startedOn !== context.host,
    startedAt: view.meta.startedAt,
    endedAt: view.endedAt,
    durationMs: runDurationMs(view, context.now),
    lastSeenAt: lastSeen === null ? null : new Date(lastSeen).toISOString(),
    directory: view.directory,
    problems: view.problems,
    timeline: timelineJson(view),
    slurmJobs: context.slurmJobs?.get(view.runId) ?? [],
  };
}

function timelineJson(view: RunView): TimelineJson {
  const { timeline } = view;
  if (timeline === null) return { state: "unchecked", checked: null, damage: null };
  return { state: timeline.state, checked: timeline.checked, damage: timeline.damage };
}
