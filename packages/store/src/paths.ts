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
  readonly hooksLog: string;
  readonly launch: string;
  readonly reserve: string;
  readonly lock: string;
}

export function runPaths(directory: string): RunPaths {
  // join() once: every name is a plain file name, so the rest is concatenation (a listing
  // builds these for every run).
  const prefix = join(directory, "/");
  return {
    directory,
    meta: prefix + RUN_FILES.meta,
    status: prefix + RUN_FILES.status,
    workflow: prefix + RUN_FILES.workflow,
    socket: prefix + RUN_FILES.socket,
    heartbeat: prefix + RUN_FILES.heartbeat,
    summary: prefix + RUN_FILES.summary,
    artifacts: prefix + RUN_FILES.artifacts,
    inbox: prefix + RUN_FILES.inbox,
    returnValue: prefix + RUN_FILES.returnValue,
    executorLog: prefix + RUN_FILES.executorLog,
    hooksLog: prefix + RUN_FILES.hooksLog,
    launch: prefix + RUN_FILES.launch,
    reserve: prefix + RUN_FILES.reserve,
    lock: prefix + RUN_FILES.lock,
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
