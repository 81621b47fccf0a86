// Absolute paths of everything inside one run directory, built from the contract's names.
import { join } from "node:path";
import { captureFileNames, RUN_FILES } from "@runyard/schema";

export interface RunPaths {
  readonly directory: string;
  readonly meta: string;
  readonly status: string;
  readonly workflow: string;
  readonly socket: string;
  readonly heartbeat: string;
  readonly summary: string;
  readonly artifacts: string;
  readonly inbox: string;
  readonly returnValue: string;
  readonly executorLog: string;
  readonly launch: string;
  readonly reserve: string;
}

export function runPaths(directory: string): RunPaths {
  return {
    directory,
    meta: join(directory, RUN_FILES.meta),
    status: join(directory, RUN_FILES.status),
    workflow: join(directory, RUN_FILES.workflow),
    socket: join(directory, RUN_FILES.socket),
    heartbeat: join(directory, RUN_FILES.heartbeat),
    summary: join(directory, RUN_FILES.summary),
    artifacts: join(directory, RUN_FILES.artifacts),
    inbox: join(directory, RUN_FILES.inbox),
    returnValue: join(directory, RUN_FILES.returnValue),
    executorLog: join(directory, RUN_FILES.executorLog),
    launch: join(directory, RUN_FILES.launch),
    reserve: join(directory, RUN_FILES.reserve),
  };
}

/** Absolute paths of a step attempt's captures, and their names relative to the run directory. */
export function capturePaths(
  directory: string,
  seq: number,
  stepId: string,
): { out: string; err: string; outName: string; errName: string } {
  const names = captureFileNames(seq, stepId);
  return {
    out: join(directory, names.out),
    err: join(directory, names.err),
    outName: names.out,
    errName: names.err,
  };
}
