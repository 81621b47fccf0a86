// GET /api/runs/:id/live — one run's events as they happen, as NDJSON over a streamed
// response: fetch() can send the Authorization header with it (EventSource cannot), it passes
// any port forward, and it needs no second protocol. A run of this host is followed over its
// ipc.sock with @runyard/ipc's followRun (reconnect and resume included); a run of another
// host, or one that has ended, is read from run_summary.jsonl, polled, and marked so. The
// stream pulls one message at a time, so a slow client slows its own follower only; closing
// the stream or the server ends the follower, never the run.
import { followRun, NoExecutorError, OtherHostError } from "@runyard/ipc";
import { type RunView, readRun, streamSummary } from "@runyard/store";
import type { Hono } from "hono";
import { type LiveLine, type LiveQuery, LiveQuerySchema } from "../api-schemas.js";
import { type ApiContext, findRun, parse } from "./context.js";

export interface LiveOptions {
  /** How often a run followed through its files is read again, in ms. */
  pollMs: number;
  /**
   * After this long without a line, a `ping` line is sent, in ms: a browser that vanished
   * without closing its connection (a laptop asleep behind a port forward) is then found by
   * the failed write, and its follower let go, instead of holding an executor connection.
   */
  pingMs: number;
}

/** The events of run_summary.jsonl after `lastSeq`; stops at a torn or damaged line. */
async function* summaryAfter(view: RunView, lastSeq: number): AsyncGenerator<LiveLine> {
  for await (const record of streamSummary(view.paths.summary, { fromSeq: lastSeq + 1 })) {
    if (record.kind === "event") yield { type: "event", event: record.event };
    else if (record.kind === "problem") {
      yield { type: "problem", code: "E_TIMELINE_DAMAGED", message: record.message };
      return;
    } else return; // a torn last line: not yet an event
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolvePromise) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolvePromise();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Follows a run through its files until it has ended (or the signal fires). */
async function* followFiles(
  start: RunView,
  fromSeq: number,
  options: LiveOptions,
  signal: AbortSignal,
): AsyncGenerator<LiveLine> {
  let lastSeq = fromSeq - 1;
  let view = start;
  for (;;) {
    // Whether it had ended is read before the summary, so the last pass reads all it wrote.
    const ended = view.classification !== "running" && view.classification !== "unknown";
    for await (const line of summaryAfter(view, lastSeq)) {
      if (line.type === "event") lastSeq = line.event.seq;
      yield line;
      if (line.type === "problem") {
        // An ended run's damage is for good: its status ends the channel, or a client would
        // reconnect, and read the same damage, for as long as its tab stays open.
        const finalStatus = ended ? (view.meta.finalStatus ?? view.classification) : null;
        yield { type: "end", finalStatus, lastSeq, reason: "the run's timeline is damaged" };
        return;
      }
    }
    if (ended) {
      yield { type: "end", finalStatus: view.meta.finalStatus ?? view.classification, lastSeq };
      return;
    }
    await sleep(options.pollMs, signal);
    if (signal.aborted) {
      yield { type: "end", finalStatus: null, lastSeq, reason: "stopped" };
      return;
    }
    view = await readRun(view.directory, { timeline: "none" });
  }
}

async function* liveLines(
  view: RunView,
  query: LiveQuery,
  context: ApiContext,
  options: LiveOptions,
  signal: AbortSignal,
): AsyncGenerator<LiveLine> {
  const start = {
    type: "start",
    runId: view.runId,
    host: context.host,
    runHost: view.meta.startedOn,
  } as const;
  if (view.meta.startedOn !== context.host || view.classification !== "running") {
    yield { ...start, mode: "files" };
    yield* followFiles(view, query.fromSeq, options, signal);
    return;
  }
  yield { ...start, mode: "socket" };
  const follower = followRun(view.directory, {
    fromSeq: query.fromSeq,
    output: query.output,
    signal,
    client: "runyard-gui/0.1.0",
    env: context.env,
  });
  try {
    for await (const message of follower) {
      if (message.type === "welcome") {
        yield {
          type: "welcome",
          meta: message.meta,
          status: message.status,
          lastSeq: message.lastSeq,
        };
      } else if (message.type === "event" || message.type === "output") {
        yield { type: message.type, event: message.event };
      } else if (message.type === "error") {
        yield { type: "problem", code: message.code, message: message.message };
      }
    }
  } catch (error) {
    // Gone for good (ended, crashed) or not reachable from here: its files say the rest.
    if (error instanceof NoExecutorError || error instanceof OtherHostError) {
      yield* followFiles(
        await readRun(view.directory, { timeline: "none" }),
        follower.lastSeq + 1,
        options,
        signal,
      );
      return;
    }
    throw error;
  } finally {
    await follower.close();
  }
  if (follower.finalStatus !== undefined) {
    yield { type: "end", finalStatus: follower.finalStatus, lastSeq: follower.lastSeq };
  } else if (!signal.aborted) {
    // E_TIMELINE_DAMAGED ends the live replay: what is left is read from the files.
    yield* followFiles(
      await readRun(view.directory, { timeline: "none" }),
      follower.lastSeq + 1,
      options,
      signal,
    );
  } else {
    yield { type: "end", finalStatus: null, lastSeq: follower.lastSeq, reason: "stopped" };
  }
}

export function registerLive(app: Hono, context: ApiContext, options: LiveOptions): void {
  app.get("/api/runs/:id/live", async (c) => {
    const query = parse(LiveQuerySchema, c.req.query(), "query");
    const view = await findRun(context, c.req.param("id"));
    const stop = new AbortController();
    const signal = AbortSignal.any([stop.signal, context.closing, c.req.raw.signal]);
    const lines = liveLines(view, query, context, options, signal);
    const encoder = new TextEncoder();
    let lastSeq = query.fromSeq - 1;
    /** The line being waited for: kept across a ping, never asked for twice. */
    let pending: Promise<IteratorResult<LiveLine>> | undefined;
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          try {
            pending ??= lines.next();
            let timer: NodeJS.Timeout | undefined;
            const quiet = new Promise<"ping">((resolvePromise) => {
              timer = setTimeout(() => resolvePromise("ping"), options.pingMs);
            });
            const next = await Promise.race([pending, quiet]).finally(() => clearTimeout(timer));
            if (next === "ping") {
              controller.enqueue(encoder.encode(`${JSON.stringify({ type: "ping" })}\n`));
              return;
            }
            pending = undefined;
            if (next.done) controller.close();
            else {
              if (next.value.type === "event") lastSeq = next.value.event.seq;
              controller.enqueue(encoder.encode(`${JSON.stringify(next.value)}\n`));
            }
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            controller.enqueue(
              encoder.encode(
                `${JSON.stringify({ type: "end", finalStatus: null, lastSeq, reason: message } satisfies LiveLine)}\n`,
              ),
            );
            controller.close();
          }
        },
        async cancel() {
          stop.abort();
          await lines.return(undefined);
        },
      },
      { highWaterMark: 1 },
    );
    c.header("content-type", "application/x-ndjson; charset=utf-8");
    c.header("x-accel-buffering", "no");
    return c.body(body);
  });
}
