// The live view of one run, for `runyard run` and `runyard attach`: what already happened (the
// timeline replayed), then what happens, until the run ends or the user leaves. On this host it
// follows ipc.sock; when no executor answers (the run ended or crashed) it reads the run's
// files; for a run on another login node, whose socket cannot be reached from here, it follows
// status.json's neighbour run_summary.jsonl by polling, as a shared file system allows.
import { lstatSync } from "node:fs";
import { join } from "node:path";
import {
  type CancelAnswer,
  followRun,
  IpcConnectError,
  NoExecutorError,
  type RunFollower,
  sshTransport,
} from "@runyard/ipc";
import {
  type DecodedEvent,
  encodeStderrLine,
  eventToWire,
  type RunError,
  type RunEvent,
} from "@runyard/protocol";
import { type FinalStatus, RUN_FILES } from "@runyard/schema";
import { capturePaths, readRun, shortHostname, streamSummary } from "@runyard/store";
import type { CommandContext, TerminalSignal } from "./command.js";
import { EXIT } from "./errors.js";
import { LiveOutputGate } from "./live-output.js";
import { type Output, paint } from "./output.js";
import { ProgressPrinter } from "./progress.js";
import { safeText } from "./safe-text.js";
import { VERSION } from "./version.js";

/** How often the files of a run are read again when no socket can be followed. */
export const FILE_POLL_MS = 1000;

export interface WatchOptions {
  runsRoot: string;
  /** Print each step's output (--output). */
  showOutput: boolean;
  /** Print every event as a __RUNYARD_EVENT__ line (--events). */
  events: boolean;
  quiet: boolean;
  /**
   * What the terminal's signals do: "run" — the first SIGINT/SIGTERM asks the executor to cancel
   * the run, the second to kill its steps at once; "attach" — any signal only ends this view.
   * A hangup only ends the view, either way: the run goes on.
   */
  mode: "run" | "attach";
  /** For a run started on another host: follow it live through `ssh <host> runyard bridge`. */
  ssh?: boolean;
  /** A Ctrl-C came before the view began (the run was cancelled): the next one kills. */
  interrupted?: boolean;
  /** Show events from this seq on (default 1: the whole timeline); runyard resume's view. */
  fromSeq?: number;
}

export type WatchOutcome =
  /** `error`: why the executor could not keep the run's record (a full disk), if it said. */
  | { kind: "ended"; finalStatus: FinalStatus; error?: RunError }
  /** The executor is gone and the run never recorded its end. */
  | { kind: "crashed"; reason: string }
  /** The viewer left (Ctrl-C in attach, a hangup) while the run goes on. */
  | { kind: "detached"; signal: TerminalSignal };

/**
 * Finds the step output a view never received, from the offsets step-output events carry and,
 * at a step's end, the size of its capture files: the executor drops the connection of a reader
 * that falls far behind, and what it would have sent is lost to the view (not to the files).
 */
class OutputLedger {
  /** Next expected offset per capture file, "<captureSeq>:<stream>". */
  readonly #next = new Map<string, number>();

  constructor(
    private readonly directory: string,
    /** Every step's output was subscribed to from its first byte (run, not attach). */
    private readonly fromStart: boolean,
  ) {}

  /** Bytes missing before this chunk. */
  received(event: Extract<RunEvent, { type: "step-output" }>): number {
    const key = `${event.captureSeq}:${event.stream}`;
    const expected = this.#next.get(key) ?? (this.fromStart ? 0 : event.offset);
    this.#next.set(key, event.offset + (event.bytes ?? Buffer.byteLength(event.data)));
    return Math.max(0, event.offset - expected);
  }

  /** Bytes of the ended step's captures never received. */
  ended(stepId: string, captureSeq: number): number {
    let missing = 0;
    const paths = capturePaths(this.directory, captureSeq, stepId);
    for (const [stream, path] of [
      ["stdout", paths.out],
      ["stderr", paths.err],
    ] as const) {
      const key = `${captureSeq}:${stream}`;
      const next = this.#next.get(key) ?? (this.fromStart ? 0 : undefined);
      if (next === undefined) continue;
      try {
        missing += Math.max(0, lstatSync(path).size - next);
      } catch {
        // No capture to compare with: nothing to say.
      }
      this.#next.delete(key);
    }
    return missing;
  }
}

/** Renders events the way `runyard run` always has: progress, output, event lines. */
class EventRenderer {
  readonly #printer: ProgressPrinter;
  readonly #live: LiveOutputGate;
  readonly #options: WatchOptions;
  readonly #output: Output;
  readonly #ledger: OutputLedger | undefined;
  lastSeq = 0;
  finalStatus: FinalStatus | undefined;
  /** What stopped the run, from its run-end event (a full disk), for a view that read it there. */
  endError: RunError | undefined;

  constructor(output: Output, options: WatchOptions, directory: string) {
    this.#output = output;
    this.#ledger =
      options.showOutput || options.events
        ? new OutputLedger(directory, options.mode === "run")
        : undefined;
    this.#options = options;
    this.#printer = new ProgressPrinter(output, {
      showOutput: options.showOutput,
      runsRoot: options.runsRoot,
    });
    this.#live = new LiveOutputGate(output, { notice: !options.quiet });
  }

  /** Takes one event; a durable one already seen (by seq) is dropped. */
  take(event: DecodedEvent): void {
    if (event.type !== "step-output") {
      if (event.seq <= this.lastSeq) return;
      this.lastSeq = event.seq;
      if (event.type === "run-end") {
        this.finalStatus = event.finalStatus;
        this.endError = event.error;
      } else if (event.type === "run-resume") {
        // The run-end before it was one executor's, not the run's.
        this.finalStatus = undefined;
        this.endError = undefined;
      }
    }
    if (event.type === "unknown") {
      if (this.#options.events) this.#output.err(encodeStderrLine(eventToWire(event)));
      return;
    }
    this.#show(event);
  }

  #show(event: RunEvent): void {
    if (this.#ledger && !this.#options.quiet) {
      if (event.type === "step-output") {
        this.#live.missed(event.stepId, this.#ledger.received(event));
      } else if (event.type === "step-end" && event.captureSeq !== undefined) {
        this.#live.missed(event.stepId, this.#ledger.ended(event.stepId, event.captureSeq));
      }
    }
    if (!this.#live.admit(event)) {
      if (event.type === "step-output" && !this.#options.quiet) this.#printer.skipOutput(event);
      return;
    }
    if (this.#options.events) this.#output.err(encodeStderrLine(event));
    if (!this.#options.quiet) this.#printer.handle(event);
  }
}

/** Why a run was cancelled from its terminal, for the run's timeline. */
export function interruptReason(signal: string): string {
  return signal === "SIGINT" ? "interrupted (Ctrl-C)" : "terminated (SIGTERM)";
}

/** Asks the executor to cancel or kill the run, as a viewer; says what came of it. */
interface CancelTarget {
  cancel(request: { reason: string; force?: boolean }): Promise<CancelAnswer>;
}

/**
 * The terminal's signals, for a view: resolves `stopped` at the first one the view should end
 * for; in "run" mode the first two interrupts go to the executor (cancel, then kill) instead.
 */
class SignalWatch {
  readonly stopped: Promise<TerminalSignal>;
  #resolve: ((signal: TerminalSignal) => void) | undefined;
  #unlisten: () => void;
  #interrupts: number;

  constructor(
    context: CommandContext,
    mode: WatchOptions["mode"],
    target: () => CancelTarget | undefined,
    interrupted: boolean,
  ) {
    this.#interrupts = interrupted ? 1 : 0;
    this.stopped = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    const { output } = context;
    const ask = (live: CancelTarget, request: { reason: string; force?: boolean }) => {
      live.cancel(request).then(
        (answer) => {
          if (!answer.accepted) output.err(`runyard: ${safeText(answer.message)}\n`);
        },
        (error: unknown) =>
          output.err(`runyard: the executor did not answer: ${(error as Error).message}\n`),
      );
    };
    this.#unlisten = context.signals.listen((signal) => {
      if (signal === "SIGHUP" || mode === "attach") {
        this.#resolve?.(signal);
        return;
      }
      this.#interrupts += 1;
      const live = target();
      const word = signal === "SIGINT" ? "interrupted" : "terminated";
      if (this.#interrupts === 1 && live) {
        output.err(
          `runyard: ${word}; cancelling the run (press Ctrl-C again to kill its steps at once)\n`,
        );
        ask(live, { reason: interruptReason(signal) });
      } else if (this.#interrupts === 2 && live) {
        output.err(`runyard: ${word} again; killing every step of the run now\n`);
        ask(live, { reason: `${word} again: killed at once`, force: true });
      } else {
        // No executor to ask, or asked twice already: leave; the run's files tell the rest.
        this.#resolve?.(signal);
      }
    });
  }

  stop(): void {
    this.#unlisten();
    this.#resolve = undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Follows the run in `directory` until it ends or the viewer leaves. */
export async function watchRun(
  directory: string,
  context: CommandContext,
  options: WatchOptions,
): Promise<WatchOutcome> {
  const { output } = context;
  const renderer = new EventRenderer(output, options, directory);
  renderer.lastSeq = Math.max(0, (options.fromSeq ?? 1) - 1);
  const stop = new AbortController();
  const gone = new AbortController();
  let follower: RunFollower | undefined;
  const signals = new SignalWatch(
    context,
    options.mode,
    () => follower,
    options.interrupted === true,
  );
  // An object, not a variable: it changes under the loops below, from a signal handler.
  const left: { signal?: TerminalSignal } = {};
  void signals.stopped.then((signal) => {
    left.signal = signal;
    stop.abort();
  });
  let error: RunError | undefined;
  try {
    const view = await readRun(directory);
    const host = shortHostname(context.env);
    const elsewhere = view.meta.startedOn !== host;
    const ssh = elsewhere && options.ssh === true;
    if (elsewhere && !ssh && view.classification === "running") {
      output.err(
        `${paint(output, "yellow", "warning:")} this run was started on ${view.meta.startedOn}; live socket updates are not available from ${host} — following its files instead (every ${FILE_POLL_MS / 1000} s). Reconnect from ${view.meta.startedOn}, or use --ssh, for a live view.\n`,
      );
    }
    if ((!elsewhere || ssh) && view.classification === "running") {
      // Live over ipc.sock (or through `runyard bridge` over ssh), resuming after a dropped
      // connection from the last seq shown.
      let connected = false;
      follower = followRun(
        ssh ? sshTransport(view.meta.startedOn, directory, { env: context.env }) : directory,
        {
          client: `runyard-cli/${VERSION}`,
          env: context.env,
          fromSeq: renderer.lastSeq + 1,
          output: options.showOutput || options.events,
          signal: AbortSignal.any([stop.signal, gone.signal]),
          onRetry: ({ attempt }) => {
            if (attempt === 1 && !options.quiet) {
              const what = connected
                ? "connection to the executor lost; reconnecting"
                : "the executor does not answer yet; trying again";
              output.err(paint(output, "dim", `  … ${what}\n`));
            }
            // An executor that is provably gone (its pid dead, not recycled) will not answer:
            // stop trying, and let the files say how the run ended.
            if (!ssh) {
              void readRun(directory).then(
                (now) => now.classification !== "running" && gone.abort(),
                () => undefined,
              );
            }
          },
        },
      );
      try {
        for await (const message of follower) {
          if (message.type === "welcome") connected = true;
          else if (message.type === "event" || message.type === "output")
            renderer.take(message.event);
          else if (message.type === "bye") {
            if (message.finalStatus !== null) renderer.finalStatus ??= message.finalStatus;
            error = message.error;
          } else if (message.type === "error" && message.code !== "E_CLIENT_TOO_SLOW") {
            output.err(`${paint(output, "yellow", "warning:")} ${safeText(message.message)}\n`);
          }
        }
      } catch (caught) {
        // The executor is gone (ended or crashed while we looked): the files tell the rest.
        // One that is there but does not answer (stopped, stuck) is followed by its files too.
        if (ssh || !(caught instanceof IpcConnectError)) throw caught;
        if (!(caught instanceof NoExecutorError)) {
          output.err(
            `${paint(output, "yellow", "warning:")} the executor does not answer (${caught.message}); following the run's files instead\n`,
          );
        }
      }
    }
    // The files: all of it for an ended run, what the socket did not deliver, or a run elsewhere.
    const summaryPath = join(directory, RUN_FILES.summary);
    let damageTold = false;
    const tellDamage = (words: string) => {
      if (damageTold) return;
      damageTold = true;
      output.err(
        `${paint(output, "yellow", "warning:")} the run's timeline is damaged: ${safeText(words)}; something other than the executor wrote to it, and this view shows only the executor's lines (runyard show ${view.runId.slice(-8)} says more)\n`,
      );
    };
    for (;;) {
      if (left.signal !== undefined) return { kind: "detached", signal: left.signal };
      for await (const record of streamSummary(summaryPath, { fromSeq: renderer.lastSeq + 1 })) {
        // Line n holds seq n: a line out of that order is not the executor's (a step can
        // append to the file, $RUNYARD_RUN_SUMMARY_FILE) and must not end or skip the view.
        if (record.kind === "event" && record.event.seq === renderer.lastSeq + 1) {
          renderer.take(record.event);
        } else if (record.kind === "event") {
          const { type, seq } = record.event;
          tellDamage(
            `${summaryPath}:${record.line}: found ${type} seq ${seq}, expected seq ${renderer.lastSeq + 1}`,
          );
        } else if (record.kind === "problem") tellDamage(record.message);
      }
      if (renderer.finalStatus !== undefined) {
        // The error comes with bye over the socket, or in run-end for a view that read the
        // end from the file (the run ended before the view connected).
        const why = error ?? renderer.endError;
        return { kind: "ended", finalStatus: renderer.finalStatus, ...(why ? { error: why } : {}) };
      }
      const now = await readRun(directory);
      if (now.classification !== "running" && now.classification !== "unknown") {
        if (now.meta.finalStatus !== null)
          return { kind: "ended", finalStatus: now.meta.finalStatus };
        if (now.classification === "crashed") return { kind: "crashed", reason: now.reason };
        return { kind: "ended", finalStatus: now.classification };
      }
      await Promise.race([sleep(FILE_POLL_MS), signals.stopped]);
    }
  } finally {
    signals.stop();
    await follower?.close();
  }
}

/** The exit status of a watched run, saying what a user needs to know about how it ended. */
export function exitForOutcome(outcome: WatchOutcome, runId: string, output: Output): number {
  const short = runId.slice(-8);
  switch (outcome.kind) {
    case "ended":
      return outcome.finalStatus === "success"
        ? EXIT.ok
        : outcome.finalStatus === "cancelled"
          ? EXIT.cancelled
          : EXIT.failed;
    case "crashed":
      output.err(
        `${paint(output, "red", "error:")} the run's executor is gone and never recorded an end: ${safeText(outcome.reason)}\n${paint(output, "dim", `hint: see what happened: runyard show ${short}`)}\n`,
      );
      return EXIT.failed;
    case "detached":
      // After a hangup nobody reads this; bin.ts ends the process by SIGHUP.
      if (outcome.signal !== "SIGHUP") {
        output.err(
          `runyard: detached; the run goes on (runyard attach ${short} to follow it again)\n`,
        );
      }
      return outcome.signal === "SIGHUP" ? 129 : EXIT.cancelled;
  }
}
