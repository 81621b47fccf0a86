#!/usr/bin/env node
// `runyard-executor <staged run directory> [--ready-fd=N] [--launch-fd=N]`: runs one run that a
// front end staged (see launchRun and docs/run-directory.md, "Starting a run") to its end.
// launchRun starts it in a session of its own with stdout and stderr on the run's
// executor.log; it also works by hand. A hangup is ignored (there is no terminal to lose);
// SIGINT or SIGTERM cancels the run, a second one kills every step at once and exits. With
// --ready-fd, one line on that descriptor says the run started, or why it did not
// (start-report.ts). With --launch-fd, it was started before the directory was filled
// (prestart.ts): it loads, then waits for the line `go` on that descriptor; if the descriptor
// closes without it, the front end gave up, and it removes what was staged and exits 0.
import { closeSync, writeSync } from "node:fs";
import { basename, resolve } from "node:path";
import { toRunError } from "@runyard/protocol";
import { RunyardError } from "@runyard/schema";
import { removeAbandonedStaging, waitForGo } from "./await-launch.js";
import { executeStagedRun } from "./execute-staged.js";
import { killAllNow } from "./live-runs.js";
import { executeResume } from "./resume.js";
import type { StartReport } from "./start-report.js";

const USAGE =
  "usage: runyard-executor <staged run directory> [--ready-fd=N] [--launch-fd=N [--made-root]]\n" +
  "       runyard-executor --resume=<run directory> [--ready-fd=N] [--max-parallel=N] [--bin-directory=DIR] [--hold-start-ms=N]\n";

interface Arguments {
  staging: string | undefined;
  /** --resume: the run directory of a run to take over (runyard resume). */
  resume: string | undefined;
  readyFd?: number;
  launchFd?: number;
  /** The front end made the runs root for this run: an abandoned launch removes it if empty. */
  madeRoot: boolean;
  maxParallel?: number;
  maxSlurmJobs?: number;
  binDirectory?: string;
  holdStartMs?: number;
}

function usageError(message: string): never {
  process.stderr.write(`runyard-executor: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseArguments(argv: readonly string[]): Arguments {
  const parsed: Arguments = { staging: undefined, resume: undefined, madeRoot: false };
  for (const arg of argv) {
    const number = /^--(ready-fd|launch-fd|max-parallel|max-slurm-jobs|hold-start-ms)=(\d+)$/.exec(
      arg,
    );
    const text = /^--(resume|bin-directory)=(.+)$/.exec(arg);
    if (arg === "--made-root") parsed.madeRoot = true;
    else if (number?.[1] === "ready-fd") parsed.readyFd = Number(number[2]);
    else if (number?.[1] === "launch-fd") parsed.launchFd = Number(number[2]);
    else if (number?.[1] === "max-parallel" && Number(number[2]) > 0)
      parsed.maxParallel = Number(number[2]);
    else if (number?.[1] === "max-slurm-jobs" && Number(number[2]) > 0)
      parsed.maxSlurmJobs = Number(number[2]);
    else if (number?.[1] === "hold-start-ms") parsed.holdStartMs = Number(number[2]);
    else if (text?.[1] === "resume") parsed.resume = text[2] as string;
    else if (text?.[1] === "bin-directory") parsed.binDirectory = text[2] as string;
    else if (arg.startsWith("-") || parsed.staging !== undefined)
      usageError(`unexpected argument "${arg}"`);
    else parsed.staging = arg;
  }
  if ((parsed.staging === undefined) === (parsed.resume === undefined))
    usageError("give a staged run directory, or --resume=<run directory>");
  return parsed;
}

const args = parseArguments(process.argv.slice(2));
const { readyFd, launchFd, madeRoot } = args;

// stdout and stderr are executor.log, in the run directory: on a full disk a write to them
// fails, and an unheard 'error' event would end the executor (and the run) for a log line.
for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);

function stamp(message: string): void {
  try {
    process.stderr.write(
      `${new Date().toISOString()} runyard-executor[${process.pid}]: ${message}\n`,
    );
  } catch {
    // Some Node versions throw here instead of emitting 'error'. Nothing is left to tell.
  }
}

// Started by hand in a terminal, the run must not die with it either.
process.on("SIGHUP", () => undefined);
const controller = new AbortController();
let signalled = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (!signalled) {
      signalled = true;
      stamp(`${signal}: cancelling the run`);
      controller.abort(`the executor received ${signal}`);
      return;
    }
    stamp(`${signal} again: killing every step now`);
    killAllNow(`the executor received ${signal} again and exited at once`);
    process.exit(130);
  });
}

/** Writes the start report; false when the front end that launched the run is gone. */
const report = (message: StartReport): boolean => {
  if (readyFd === undefined) return true;
  try {
    writeSync(readyFd, `${JSON.stringify(message)}\n`);
    closeSync(readyFd);
    return true;
  } catch (error) {
    // The front end went away before the run started: the run goes on without it.
    stamp(`cannot report to the front end: ${(error as Error).message}`);
    return false;
  }
};

const staging = args.staging;
if (staging !== undefined && launchFd !== undefined && !(await waitForGo(launchFd))) {
  // The front end gave up before the run was staged whole (a bad flag, an unreadable
  // workflow, Ctrl-C) or died: nothing was started, and nothing is left.
  removeAbandonedStaging(staging, madeRoot);
  process.exit(0);
}

const onStarted = (outcome: { ok: true; directory: string } | { ok: false; error: unknown }) =>
  report(
    outcome.ok
      ? {
          ok: true,
          runId: basename(outcome.directory),
          directory: outcome.directory,
          pid: process.pid,
        }
      : { ok: false, error: toRunError(outcome.error) },
  );

try {
  const result =
    args.resume === undefined
      ? await executeStagedRun(staging as string, { signal: controller.signal, onStarted })
      : await executeResume(resolve(args.resume), {
          signal: controller.signal,
          onStarted,
          ...(args.maxParallel === undefined ? {} : { maxParallel: args.maxParallel }),
          ...(args.maxSlurmJobs === undefined ? {} : { maxSlurmJobs: args.maxSlurmJobs }),
          ...(args.binDirectory === undefined ? {} : { binDirectory: args.binDirectory }),
          ...(args.holdStartMs === undefined ? {} : { holdStartMs: args.holdStartMs }),
        });
  process.exitCode =
    result.finalStatus === "success" ? 0 : result.finalStatus === "cancelled" ? 130 : 1;
} catch (error) {
  // A RunyardError is a condition the run's files already record (a full disk); a stack is
  // for anything else, a bug.
  stamp(
    error instanceof RunyardError
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error),
  );
  process.exitCode = 70;
}
