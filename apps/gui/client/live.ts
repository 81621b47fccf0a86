// Follows one run's live channel (GET /api/runs/:id/live, NDJSON) and reconnects after a
// drop from one past the last seq it applied, so a restarted server or a flaky ssh forward
// costs nothing but the wait. fetch, not EventSource: EventSource cannot send the token header.
import type { LiveLine } from "../src/api-schemas.js";
import { authHeaders, runPath } from "./api.js";

export type LiveState =
  | { kind: "connecting"; attempt: number }
  | { kind: "live"; mode: "socket" | "files"; runHost: string }
  | { kind: "retrying"; reason: string; inMs: number }
  | { kind: "ended"; finalStatus: string | null }
  | { kind: "stopped"; reason: string };

export interface LiveHandlers {
  /** A batch of lines read in one go: apply them all, then render once. */
  lines(lines: LiveLine[]): void;
  state(state: LiveState): void;
  /** The seq to resume from after a reconnect: one past the last durable event applied. */
  nextSeq(): number;
}

const MAX_RETRY_MS = 5000;

export function followLive(
  runId: string,
  handlers: LiveHandlers,
  options: { output: boolean | string[] },
): () => void {
  const abort = new AbortController();
  void (async () => {
    let attempt = 0;
    while (!abort.signal.aborted) {
      attempt += 1;
      handlers.state({ kind: "connecting", attempt });
      let reason = "the connection closed";
      try {
        const output =
          options.output === true
            ? "true"
            : options.output === false
              ? "false"
              : options.output.join(",");
        const response = await fetch(
          `api/${runPath(runId, `/live?fromSeq=${handlers.nextSeq()}&output=${encodeURIComponent(output)}`)}`,
          { headers: authHeaders(), cache: "no-store", signal: abort.signal },
        );
        if (response.status === 404 || response.status === 401 || response.status === 403) {
          const body = await response.json().catch(() => null);
          handlers.state({
            kind: "stopped",
            reason: body?.error?.message ?? `${response.status} ${response.statusText}`,
          });
          return;
        }
        if (!response.ok || !response.body)
          throw new Error(`${response.status} ${response.statusText}`);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let rest = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          rest += value;
          const parts = rest.split("\n");
          rest = parts.pop() ?? "";
          const batch: LiveLine[] = [];
          for (const part of parts) if (part) batch.push(JSON.parse(part) as LiveLine);
          if (batch.length === 0) continue;
          attempt = 0;
          for (const line of batch) {
            if (line.type === "start")
              handlers.state({ kind: "live", mode: line.mode, runHost: line.runHost });
          }
          handlers.lines(batch);
          const end = batch.find((line) => line.type === "end");
          if (end?.type === "end") {
            if (end.finalStatus !== null) {
              handlers.state({ kind: "ended", finalStatus: end.finalStatus });
              return;
            }
            reason = end.reason ?? reason;
          }
        }
      } catch (error) {
        if (abort.signal.aborted) return;
        reason = error instanceof TypeError ? "the GUI server does not answer" : String(error);
      }
      // Backing off, with jitter: the tabs of a restarted server do not come back in lockstep.
      const inMs = Math.round(
        Math.min(MAX_RETRY_MS, 500 * 2 ** Math.min(attempt, 4)) * (0.75 + Math.random() * 0.5),
      );
      handlers.state({ kind: "retrying", reason, inMs });
      await new Promise((resolve) => setTimeout(resolve, inMs));
    }
  })();
  return () => abort.abort();
}
