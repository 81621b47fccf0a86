// Cancels a live run over its ipc.sock and waits until the run directory says it has ended
// (meta.json's finalStatus, or a classification other than running): what `rm --force` does
// before it removes a run. The socket answers only on the host the run started on; elsewhere
// this says where to go instead of pretending.
import { setTimeout as sleep } from "node:timers/promises";
import { createIpcClient, type IpcClient } from "@runyard/ipc";
import { RunyardError } from "@runyard/schema";
import { type RunView, readRun, shortHostname } from "@runyard/store";
import { VERSION } from "./version.js";

export interface StopRunOptions {
  /** Longest wait for the run to end after the cancel, in ms. */
  timeoutMs: number;
  /** Aborted (Ctrl-C): stop waiting; the cancel already sent stands. */
  signal: AbortSignal;
  /** Why, for the run's timeline ("runyard rm --force"). */
  reason: string;
}

/** How often the run directory is read while waiting, besides when the socket closes. */
const POLL_MS = 100;
/** How long an ended run's executor is given to close its socket. */
const CLOSE_GRACE_MS = 2000;

function stillRunning(view: RunView): boolean {
  return view.classification === "running";
}

/** Connects, or returns undefined when the run has ended meanwhile (its socket is gone). */
async function connect(view: RunView): Promise<IpcClient | undefined> {
  try {
    return await createIpcClient(view.paths.socket, { client: `runyard-cli/${VERSION}` });
  } catch (error) {
    if (!stillRunning(await readRun(view.directory))) return undefined;
    const why = error instanceof Error ? error.message : String(error);
    throw new RunyardError("E_CANCEL_FAILED", `cannot cancel run ${view.runId}: ${why}`, {
      cause: error,
      hint: `its executor (pid ${view.meta.executor?.pid ?? view.meta.pid}) does not answer; stop it, then run the command again`,
    });
  }
}

/**
 * Sends `cancel` to the run's executor and resolves to the run as its directory shows it once
 * it has ended. Throws E_RUN_ELSEWHERE for a run on another host, E_CANCEL_FAILED when the
 * executor cannot be reached or refuses, E_CANCEL_TIMEOUT when the run has not ended in time.
 */
export async function stopRun(view: RunView, options: StopRunOptions): Promise<RunView> {
  const host = shortHostname();
  if (view.meta.startedOn !== host) {
    throw new RunyardError(
      "E_RUN_ELSEWHERE",
      `run ${view.runId} runs on ${view.meta.startedOn}; it can be cancelled only from there`,
      { hint: `on ${view.meta.startedOn}, run the same command again` },
    );
  }
  const client = await connect(view);
  if (client === undefined) return readRun(view.directory);
  let refused: RunyardError | undefined;
  let closed = false;
  const wake = new AbortController();
  // The server answers a cancel only when it refuses it; the connection closes when the run ends.
  const messages = (async () => {
    try {
      for await (const message of client) {
        if (message.type === "error" && message.code !== "E_RUN_ENDED") {
          refused = new RunyardError(
            "E_CANCEL_FAILED",
            `run ${view.runId} refused the cancel: ${message.message}`,
            { hint: `its code was ${message.code}` },
          );
          wake.abort();
        }
      }
    } catch {
      // The connection broke: the run directory says how things stand.
    }
    closed = true;
    wake.abort();
  })();
  try {
    client.cancel({ reason: options.reason });
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const current = await readRun(view.directory);
      if (!stillRunning(current)) {
        // meta.json records the end just before the executor closes its socket and stops the
        // heartbeat: let it finish, briefly, so the directory is not removed under it.
        if (!closed)
          await sleep(CLOSE_GRACE_MS, undefined, { signal: wake.signal }).catch(() => undefined);
        return current;
      }
      if (refused) throw refused;
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
            hint: `see how it stands with: runyard ps; wait longer with --wait, or stop its executor (pid ${view.meta.executor?.pid ?? view.meta.pid})`,
          },
        );
      }
      // Woken early when the socket closes (the executor is gone or going) or the cancel is
      // refused; after that, short polls find the end meta.json records.
      const signal = closed ? options.signal : AbortSignal.any([wake.signal, options.signal]);
      await sleep(closed ? 20 : POLL_MS, undefined, { signal }).catch(() => undefined);
    }
  } finally {
    await client.close();
    await messages;
  }
}
