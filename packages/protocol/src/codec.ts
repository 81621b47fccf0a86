// Line encoding shared by run_summary.jsonl, ipc.sock and the executor's stderr: one JSON
// object per line, UTF-8, `\n`-terminated. JSON.stringify escapes every newline inside
// strings, so an encoded value is always exactly one line.
import type { DecodedEvent } from "./events.js";
import type { ClientMessage, DecodedServerMessage } from "./messages.js";

/** Prefix that marks an event line on the executor's stderr; other lines pass through. */
export const STDERR_EVENT_PREFIX = "__RUNYARD_EVENT__ ";

/** Longest line a decoder accepts by default, in bytes before the `\n`: 1 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/** One JSON object per line, UTF-8, `\n`-terminated. */
export function encodeLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** The stderr form: the prefix, then the JSON line. */
export function encodeStderrLine(value: unknown): string {
  return `${STDERR_EVENT_PREFIX}${encodeLine(value)}`;
}

/** The wire object of an event: an UnknownEvent goes back out exactly as it came in. */
export function eventToWire(event: DecodedEvent): object {
  return event.type === "unknown" ? event.fields : event;
}

/** Encodes an event as a line (or a stderr line), relaying unknown events unchanged. */
export function encodeEvent(
  event: DecodedEvent,
  framing: "json-lines" | "stderr" = "json-lines",
): string {
  const line = encodeLine(eventToWire(event));
  return framing === "stderr" ? `${STDERR_EVENT_PREFIX}${line}` : line;
}

/** Encodes an IPC message, relaying an unknown event inside an `event` message unchanged. */
export function encodeMessage(message: ClientMessage | DecodedServerMessage): string {
  if (message.type === "event" && message.event.type === "unknown") {
    return encodeLine({ type: "event", event: message.event.fields });
  }
  return encodeLine(message);
}
