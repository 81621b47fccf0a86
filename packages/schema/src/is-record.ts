// One test for "a plain mapping of keys to values": what a parsed YAML or JSON object is, as
// opposed to an array or null, which `typeof` also calls "object".

/** True for a non-null object that is not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
