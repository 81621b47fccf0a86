// The retention policy: which ended runs `runyard gc` (and the GUI) remove. Per outcome, keep
// the runs, delete them, or delete them once they ended longer ago than a duration; plus an
// optional cap on the total size of the runs root. Written by users in the `retention:` block
// of their config, so it is strict and every mistake names its field; parsing turns the text
// into numbers (milliseconds, bytes) the store applies without parsing anything again.
import { z } from "zod";
import { DURATION_PATTERN, durationSeconds } from "./duration.js";

/** The outcomes a policy has a rule for; running and unknown runs are never removed. */
export const RETENTION_OUTCOMES = ["success", "cancelled", "failed", "crashed"] as const;
export type RetentionOutcome = (typeof RETENTION_OUTCOMES)[number];

/** What a rule says, parsed: keep the runs, or delete them once ended at least `afterMs` ago. */
export type RetentionRule =
  | { action: "keep"; setting: "keep" }
  | { action: "delete"; afterMs: number; setting: string };

const RULE_ERROR = 'expected keep, delete or a duration such as "7d" or "12h"';

function toRule(setting: string): RetentionRule {
  if (setting === "keep") return { action: "keep", setting };
  if (setting === "delete") return { action: "delete", afterMs: 0, setting };
  return { action: "delete", afterMs: Math.round(durationSeconds(setting) * 1000), setting };
}

/** `keep`, `delete`, or a duration ("7d", "12h", "1d12h"): delete once ended that long ago. */
export const RetentionRuleSchema = z
  .string({ error: RULE_ERROR })
  .refine((value) => value === "keep" || value === "delete" || DURATION_PATTERN.test(value), {
    error: RULE_ERROR,
  })
  // Only a well-formed duration can be zero; anything else was reported above.
  .refine((value) => !DURATION_PATTERN.test(value) || durationSeconds(value) > 0, {
    error: 'expected a duration greater than zero (write "delete" to delete at once)',
  })
  .transform(toRule)
  .describe(
    'keep; delete; or a duration such as "7d", "12h" or "1d12h" (units ms, s, m, h, d): delete once the run ended that long ago',
  );

const SIZE_PATTERN = /^(\d+(?:\.\d+)?) ?([a-z]*)$/i;

/** Bytes per unit, by the unit in lower case: kB, MB… are powers of 1000, KiB, MiB… of 1024. */
const UNIT_BYTES: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

const SIZE_ERROR =
  'expected a size such as "500MB" or "10GiB" (units B, kB, MB, GB, TB, KiB, MiB, GiB, TiB)';

/** Bytes in a size such as "10GiB", "1.5 GB" or "4096"; undefined when it is not one. */
export function parseByteSize(text: string): number | undefined {
  const match = SIZE_PATTERN.exec(text.trim());
  const unit = UNIT_BYTES[match?.[2]?.toLowerCase() ?? "?"];
  if (match === null || unit === undefined) return undefined;
  return Math.floor(Number(match[1]) * unit);
}

/** A size limit, parsed: the bytes and what the user wrote. */
export interface ByteSize {
  bytes: number;
  setting: string;
}

export const ByteSizeSchema = z
  .union(
    [
      z.int().positive({ error: "expected a size greater than zero" }),
      z
        .string()
        .refine((value) => parseByteSize(value) !== undefined, { error: SIZE_ERROR })
        .refine((value) => (parseByteSize(value) ?? 1) > 0, {
          error: "expected a size greater than zero",
        }),
    ],
    { error: SIZE_ERROR },
  )
  .transform(
    (value): ByteSize =>
      typeof value === "number"
        ? { bytes: value, setting: `${value}B` }
        : { bytes: parseByteSize(value) ?? 0, setting: value },
  )
  .describe('A size: bytes as a number, or a string such as "500MB" or "10GiB"');

/**
 * The policy. Absent rules take the HPCBox seed's cleanup policy: success and cancelled runs
 * are deleted, failed and crashed runs kept (they are the ones someone will look into).
 */
export const RetentionPolicySchema = z
  .object({
    success: RetentionRuleSchema.prefault("delete"),
    cancelled: RetentionRuleSchema.prefault("delete"),
    failed: RetentionRuleSchema.prefault("keep"),
    crashed: RetentionRuleSchema.prefault("keep"),
    maxTotalSize: ByteSizeSchema.optional().describe(
      "Past this total, the oldest ended runs are removed too, whatever their rule, until the runs root is under it",
    ),
  })
  .strict()
  .describe("Which ended runs `runyard gc` removes");

/** The parsed policy, as planRetention() in @runyard/store applies it. */
export type RetentionPolicy = z.output<typeof RetentionPolicySchema>;
/** The policy as written in the config file. */
export type RetentionPolicyInput = z.input<typeof RetentionPolicySchema>;

/** The seed's cleanup policy: delete success and cancelled runs, keep failed and crashed ones. */
export const DEFAULT_RETENTION_POLICY: RetentionPolicy = RetentionPolicySchema.parse({});
