// Kept apart from api-schemas.ts (which imports zod and the store) so that the browser client
// can import it without bundling them.

/**
 * What a capture range response says in its headers (the body is the raw bytes, as the step
 * wrote them: a range may cut a UTF-8 character, which the client joins with the next range).
 */
export const CaptureRangeHeaders = {
  name: "x-runyard-capture-name",
  seq: "x-runyard-capture-seq",
  attempt: "x-runyard-capture-attempt",
  attempts: "x-runyard-capture-attempts",
  offset: "x-runyard-capture-offset",
  size: "x-runyard-capture-size",
} as const;
