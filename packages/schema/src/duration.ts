// Durations in workflow files: a number of seconds, or a compact string such as "1h30m".
// One grammar for every field (timeout today; retry delays later) so users learn it once.

/** One or more `<number><unit>` groups, units ms, s, m, h, d: "90s", "10m", "1h30m", "1.5h". */
export const DURATION_PATTERN = /^(\d+(\.\d+)?(ms|s|m|h|d))+$/;

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
};

/** Seconds in a duration: a number is already seconds; a string is summed group by group. */
export function durationSeconds(value: string | number): number {
  if (typeof value === "number") return value;
  let total = 0;
  for (const match of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(match[1]) * (UNIT_SECONDS[match[2] ?? "s"] ?? 1);
  }
  return total;
}

/**
 * A number of seconds written the way a workflow file would: "90s" → "1m30s", 0.25 → "250ms",
 * 86400 → "1d". Whole milliseconds; the largest units first.
 */
export function formatDurationSeconds(seconds: number): string {
  let milliseconds = Math.round(seconds * 1000);
  if (milliseconds < 1000) return `${milliseconds}ms`;
  let text = "";
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1],
  ] as const) {
    const count = Math.floor(milliseconds / size);
    if (count > 0) text += `${count}${unit}`;
    milliseconds -= count * size;
  }
  return text;
}
