// Line encoding shared by run_summary.jsonl, ipc.sock and the executor's stderr.

/** Prefix that marks an event line on the executor's stderr; other lines pass through. */
export const STDERR_EVENT_PREFIX = "__RUNYARD_EVENT__ ";

/** One JSON object per line, UTF-8, `\n`-terminated. */
export function encodeLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** The stderr form: the prefix, then the JSON line. */
export function encodeStderrLine(value: unknown): string {
  return `${STDERR_EVENT_PREFIX}${encodeLine(value)}`;
}
