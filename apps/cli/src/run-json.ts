// The fields of a run that every `--json` gives (see json/run.ts), built from the store's view.
import type { RunView } from "@runyard/store";
import { lastSignOfLife, runDurationMs, runReason } from "./describe-run.js";
import type { RunJson, TimelineJson } from "./json/run.js";

export interface RunJsonContext {
  /** This host's short name, to tell runs started elsewhere. */
  host: string;
  now: number;
  shortId: (runId: string) => string;
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
  };
}

function timelineJson(view: RunView): TimelineJson {
  const { timeline } = view;
  if (timeline === null) return { state: "unchecked", checked: null, damage: null };
  return { state: timeline.state, checked: timeline.checked, damage: timeline.damage };
}
