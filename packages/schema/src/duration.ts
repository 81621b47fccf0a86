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
