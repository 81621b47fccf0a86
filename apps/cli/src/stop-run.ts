// Cancelling a live run from the command line: `runyard cancel` and `rm --force`. The cancel goes
// to the run's executor over ipc.sock — or, for a run started on another login node, through
// `ssh <host> runyard bridge` when asked to — and its answer says whether it was taken. Waiting
// for the end reads the run directory until it says the run has ended.
import { lstat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import {
  createIpcClient,
  type IpcTransport,
  NoExecutorError,
  runTransport,
  sshTransport,
} from "@runyard/ipc";
import { RunyardError } from "@runyard/schema";
import { type RunView, readRun, shortHostname } from "@runyard/store";
import { VERSION } from "./version.js";

export interface CancelRunOptions {
  /** Why, for the run's timeline ("runyard rm --force"). */
  reason: string;
  /** Cancel only this step. */
  stepId?: string;
  /** Kill at once (SIGKILL), no grace period. */
  force?: boolean;
  /** For a run on another host: reach it through ssh (see docs/login-node.md). */
  ssh?: boolean;
  env: NodeJS.ProcessEnv;
  /** Longest wait for the executor's answer, in ms (default 10 s). */
  answerTimeoutMs?: number;
}

function pidOf(view: RunView): number {
  return view.meta.executor?.pid ?? view.meta.pid;
}

function transportFor(view: RunView, options: CancelRunOptions): IpcTransport {
  const host = shortHostname(options.env);
  if (view.meta.startedOn === host) return runTransport(view.directory, { env: options.env });
  if (options.ssh) return sshTransport(view.meta.startedOn, view.directory, { env: options.env });
  throw new RunyardError(
    "E_RUN_ELSEWHERE",
    `run ${view.runId} runs on ${view.meta.startedOn}; its executor answers only there`,
    {
      hint: `add --ssh to reach it through ssh ${view.meta.startedOn}, or run the command on ${view.meta.startedOn}`,
    },
  );
}

/** The error for a run whose executor does not answer: ended meanwhile, or gone. */
async function notAnswering(view: RunView, error: unknown): Promise<RunyardError> {
  const now = await readRun(view.directory).catch(() => view);
  if (now.classification !== "running") {
    return new RunyardError(
      "E_RUN_ENDED",
      `run ${view.runId} is not running: ${now.classification} (${now.reason})`,
      { cause: error },
    );
  }
  const why = error instanceof Error ? error.message : String(error);
  return new RunyardError("E_CANCEL_FAILED", `cannot cancel run ${view.runId}: ${why}`, {
    cause: error,
    hint: `its executor (pid ${pidOf(view)}) does not answer; stop it, then run the command again`,
  });
}

/** How often a cancel turned away by a full executor tries again. */
const FULL_RETRY_MS = 250;

/**
 * Turned away by a live executor: E_TOO_MANY_CLIENTS, or the connection closed under our hello
 * (EPIPE, ECONNRESET: accepted, then closed at once, as a full server may do).
 */
function isServerFull(error: unknown): boolean {
  if (!(error instanceof RunyardError)) return false;
  if (error.code === "E_TOO_MANY_CLIENTS") return true;
  const cause = (error.cause as NodeJS.ErrnoException | undefined)?.code;
  return error.code === "E_IPC_CONNECT" && (cause === "EPIPE" || cause === "ECONNRESET");
}

/** The executor answered but serves as many clients as it can, for the whole answer timeout. */
function serverFull(view: RunView, error: unknown, stepId: string | undefined): RunyardError {
  const pid = pidOf(view);
  return new RunyardError(
    "E_CANCEL_FAILED",
    `cannot cancel run ${view.runId}: its executor is alive but serves as many clients as it can, and no place freed`,
    {
      cause: error,
      hint:
        stepId === undefined
          ? `close other viewers of this run (attach, the GUI) and try again; or cancel the run by signal: kill -TERM ${pid} on ${view.meta.startedOn} (the executor cancels the run on SIGTERM)`
          : "close other viewers of this run (attach, the GUI) and try again; a single step can be cancelled only through the executor's socket",
    },
  );
}

/**
 * Sends the cancel and resolves once the executor has taken it. Throws E_RUN_ELSEWHERE (another
 * host, no --ssh), E_RUN_ENDED (nothing left to cancel), E_CANCEL_REFUSED (the executor said
 * no: an unknown step, one that has ended, a cancel already under way) or E_CANCEL_FAILED.
 */
export async function cancelRun(view: RunView, options: CancelRunOptions): Promise<void> {
  const transport = transportFor(view, options);
  const timeoutMs = options.answerTimeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  let client: Awaited<ReturnType<typeof createIpcClient>>;
  for (;;) {
    try {
      client = await createIpcClient(transport, { client: `runyard-cli/${VERSION}`, timeoutMs });
      break;
    } catch (error) {
      if (error instanceof NoExecutorError && error.finalStatus !== undefined) {
        throw new RunyardError(
          "E_RUN_ENDED",
          `run ${view.runId} has already ended: ${error.finalStatus}`,
        );
      }
      // The executor is alive and answered, only full: a place frees as viewers leave.
      if (isServerFull(error)) {
        if (Date.now() < deadline) {
          await sleep(FULL_RETRY_MS);
          continue;
        }
        throw serverFull(view, error, options.stepId);
      }
      throw await notAnswering(view, error);
    }
  }
  try {
    let timer: NodeJS.Timeout | undefined;
    const answer = await Promise.race([
      client.cancel({
        reason: options.reason,
        ...(options.stepId === undefined ? {} : { stepId: options.stepId }),
        ...(options.force ? { force: true } : {}),
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    if (!answer.accepted) {
      throw new RunyardError(
        answer.code === "E_RUN_ENDED" ? "E_RUN_ENDED" : "E_CANCEL_REFUSED",
        `run ${view.runId}: ${answer.message}`,
      );
    }
  } catch (error) {
    if (error instanceof RunyardError) throw error;
    throw await notAnswering(view, error);
  } finally {
    await client.close();
  }
}

export interface WaitForEndOptions {
  /** Longest wait for the run to end, in ms. */
  timeoutMs: number;
  /** Aborted (Ctrl-C): stop waiting; the cancel already sent stands. */
  signal: AbortSignal;
}

/** How often the run directory is read while waiting. */
const POLL_MS = 100;
/** How long an ended run's executor is given to close its socket and stop its heartbeat. */
const CLOSE_GRACE_MS = 2000;

/**
 * Resolves to the run as its directory shows it once it has ended (and its executor has let go
 * of it, within a moment). Throws E_CANCEL_TIMEOUT, or E_ABORTED when the signal fires.
 */
export async function waitForEnd(view: RunView, options: WaitForEndOptions): Promise<RunView> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const current = await readRun(view.directory);
    if (current.classification !== "running") {
      // meta.json records the end just before the executor closes its socket: let it finish,
      // so that the directory is not removed from under it.
      const grace = Date.now() + CLOSE_GRACE_MS;
      while (Date.now() < grace && (await readRun(view.directory)).classification !== "crashed") {
        if (!(await socketExists(view))) break;
        await sleep(20);
      }
      return current;
    }
    if (options.signal.aborted) {
      throw new RunyardError("E_ABORTED", `stopped waiting for run ${view.runId} to end`, {
        hint: "the cancel was sent; see how the run stands with: runyard ps",
      });
    }
    if (Date.now() >= deadline) {
      throw new RunyardError(
        "E_CANCEL_TIMEOUT",
        `run ${view.runId} did not end within ${Math.round(options.timeoutMs / 1000)} s of the cancel`,
        {
          hint: `see how it stands with: runyard ps; wait longer with --wait, kill its steps with --force, or stop its executor (pid ${pidOf(view)})`,
        },
      );
    }
    await sleep(POLL_MS, undefined, { signal: options.signal }).catch(() => undefined);
  }
}

function socketExists(view: RunView): Promise<boolean> {
  return lstat(view.paths.socket).then(
    () => true,
    () => false,
  );
}

/** Cancels the run and waits for it to end: what `rm --force` does before it removes a run. */
export async function stopRun(
  view: RunView,
  options: CancelRunOptions & WaitForEndOptions,
): Promise<RunView> {
  await cancelRun(view, {
    answerTimeoutMs: Math.min(options.timeoutMs, 10_000),
    ...options,
  });
  return waitForEnd(view, options);
}

/**
 * The signal bin.ts aborted the command's signal for ("SIGINT"…); undefined when it was not a
 * signal (stdout's reader went away: that ends the view, not the run).
 */
export function abortSignalName(signal: AbortSignal): string | undefined {
  const reason: unknown = signal.reason;
  return reason instanceof Error && /^SIG[A-Z]+$/.test(reason.message) ? reason.message : undefined;
}
