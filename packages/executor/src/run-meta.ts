// meta.json at the start of a run: who runs it, where, since when, and how to tell later
// whether this executor still lives; and the steps its status.json starts with.
import { userInfo } from "node:os";
import { now, type ResolvedWorkflow, type RunMeta, SCHEMA_VERSION } from "@runyard/schema";
import { currentExecutorIdentity, type StatusStep, shortHostname } from "@runyard/store";
import { executorVersion } from "./version.js";

function loginName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): the field is optional.
    return undefined;
  }
}

export function startMeta(
  workflow: ResolvedWorkflow,
  params: Readonly<Record<string, string>>,
  cwd: string = process.cwd(),
): Omit<RunMeta, "runId"> {
  const user = loginName();
  return {
    schemaVersion: SCHEMA_VERSION,
    workflowId: workflow.id,
    workflowFile: workflow.file,
    workflowName: workflow.name,
    pid: process.pid,
    startedOn: shortHostname(),
    startedAt: now(),
    endedAt: null,
    finalStatus: null,
    executor: currentExecutorIdentity(),
    ...(user === undefined ? {} : { user }),
    cwd,
    runyardVersion: executorVersion(),
    ...(workflow.params.length === 0 ? {} : { params: { ...params } }),
  };
}

/** The steps of the run's status, in workflow order: what status.json starts with. */
export function statusSteps(workflow: ResolvedWorkflow): StatusStep[] {
  return workflow.steps.map((step) => ({ nodeId: step.id, name: step.name }));
}
