// meta.json and status.json as a reader takes them (LenientRunMetaSchema,
// LenientRunStatusSchema), fast. A listing reads both for every run, and zod's parse of them
// was a fifth of `runyard ps -n 0`'s time over its own system calls. Files as Runyard writes
// them (lowercase UUIDs, UTC timestamps with milliseconds, the fields it knows) are checked
// here by hand, field by field, and built in the schema's key order; anything else — a field
// out of those narrow forms, a wrong type, a missing field — goes to zod, which accepts what
// the schema accepts and words every problem. So the hand check may only ever accept less
// than zod, never more, and gives exactly zod's value for what it accepts: a property test
// (lenient-read.test.ts) holds the two together.
import type { z } from "zod";
import type { ValidationProblem } from "./errors.js";
import { LenientRunMetaSchema } from "./run-meta.js";
import { LenientRunStatusSchema, STEP_STATUSES, type StepStatus } from "./run-status.js";
import { check } from "./validate.js";

type LenientMeta = z.output<typeof LenientRunMetaSchema>;
type LenientStatus = z.output<typeof LenientRunStatusSchema>;
type LenientStep = LenientStatus["steps"][number];
type Checked<T> = { ok: true; value: T } | { ok: false; problems: ValidationProblem[] };
type Fields = Record<string, unknown>;

/** Lowercase canonical UUIDs of versions 1–8, RFC 9562 variant: a subset of z.uuid()'s. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** What Runyard writes: UTC, milliseconds, `Z` (see common.ts); a real date and time. */
const STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const FINAL_STATUSES: ReadonlySet<unknown> = new Set(["success", "failed", "cancelled"]);
const KNOWN_STEP_STATUSES: ReadonlySet<unknown> = new Set(STEP_STATUSES);

function isFields(value: unknown): value is Fields {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isUuid(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

function isStamp(value: unknown): value is string {
  if (typeof value !== "string" || !STAMP.test(value)) return false;
  const time = Date.parse(value);
  // 2026-02-30 parses to March: only a date that exists reads back the same.
  return !Number.isNaN(time) && new Date(time).toISOString() === value;
}

function isInt(value: unknown, least: number): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= least;
}

/**
 * Copies the optional fields `keys` that `valid` accepts into `out`, in their order; false at
 * the first one present and not valid.
 */
function optional(
  from: Fields,
  out: Fields,
  keys: readonly string[],
  valid: (value: unknown) => boolean,
): boolean {
  for (const key of keys) {
    const value = from[key];
    if (value === undefined) continue;
    if (!valid(value)) return false;
    out[key] = value;
  }
  return true;
}

const isString = (value: unknown) => typeof value === "string";
const isStringOrNull = (value: unknown) => value === null || typeof value === "string";

function fastExecutor(value: unknown): LenientMeta["executor"] | undefined {
  if (!isFields(value) || !isInt(value.pid, 1)) return undefined;
  const { processStartTicks: ticks, bootId } = value;
  if (ticks !== null && (typeof ticks !== "string" || !/^\d+$/.test(ticks))) return undefined;
  if (!isStringOrNull(bootId)) return undefined;
  return { pid: value.pid, processStartTicks: ticks, bootId: bootId as string | null };
}

function fastParams(value: unknown): Record<string, string> | undefined {
  if (!isFields(value)) return undefined;
  const params: Record<string, string> = {};
  for (const [name, text] of Object.entries(value)) {
    // A key that is the prototype's name is zod's to handle.
    if (typeof text !== "string" || name === "__proto__") return undefined;
    params[name] = text;
  }
  return params;
}

/** meta.json as LenientRunMetaSchema reads it, or undefined when zod must decide. */
export function fastLenientRunMeta(input: unknown): LenientMeta | undefined {
  if (!isFields(input)) return undefined;
  const schemaVersion = input.schemaVersion === undefined ? 1 : input.schemaVersion;
  const { runId, workflowId, workflowFile, workflowName, pid, startedOn, startedAt } = input;
  const { endedAt, finalStatus } = input;
  if (!isInt(schemaVersion, 1) || !isUuid(runId) || !isUuid(workflowId)) return undefined;
  if (typeof workflowFile !== "string" || workflowFile === "") return undefined;
  if (typeof workflowName !== "string" || !isInt(pid, 1)) return undefined;
  if (typeof startedOn !== "string" || startedOn === "" || !isStamp(startedAt)) return undefined;
  if (endedAt !== null && !isStamp(endedAt)) return undefined;
  if (finalStatus !== null && !FINAL_STATUSES.has(finalStatus)) return undefined;
  const meta: Fields = {
    schemaVersion,
    runId,
    workflowId,
    workflowFile,
    workflowName,
    pid,
    startedOn,
    startedAt,
    endedAt,
    finalStatus,
  };
  if (input.executor !== undefined) {
    const executor = fastExecutor(input.executor);
    if (executor === undefined) return undefined;
    meta.executor = executor;
  }
  if (!optional(input, meta, ["user", "cwd", "runyardVersion"], isString)) return undefined;
  if (input.params !== undefined) {
    const params = fastParams(input.params);
    if (params === undefined) return undefined;
    meta.params = params;
  }
  if (!optional(input, meta, ["rerunOf"], isUuid)) return undefined;
  // A resumed run's meta.json (rare) is zod's to read: its records are checked there.
  if (input.resumes !== undefined) return undefined;
  if (!optional(input, meta, ["timelineBytes"], (value) => isInt(value, 0))) return undefined;
  return meta as LenientMeta;
}

const STEP_TEXT = ["reason", "loop", "item", "backend", "jobId"] as const;

function fastStep(value: unknown): LenientStep | undefined {
  if (!isFields(value)) return undefined;
  const { name, nodeId, status } = value;
  if (typeof name !== "string" || typeof nodeId !== "string" || nodeId === "") return undefined;
  if (typeof status !== "string") return undefined;
  const step: Fields = {
    name,
    nodeId,
    status: KNOWN_STEP_STATUSES.has(status) ? (status as StepStatus) : "unknown",
  };
  const positive = (field: unknown) => isInt(field, 1);
  if (!optional(value, step, ["seq", "attempt"], positive)) return undefined;
  if (!optional(value, step, ["startedAt", "endedAt"], isStamp)) return undefined;
  const exitCode = (field: unknown) => field === null || isInt(field, Number.MIN_SAFE_INTEGER);
  if (!optional(value, step, ["exitCode"], exitCode)) return undefined;
  if (!optional(value, step, ["signal"], isStringOrNull)) return undefined;
  if (!optional(value, step, STEP_TEXT, isString)) return undefined;
  if (!optional(value, step, ["items"], (field) => isInt(field, 0))) return undefined;
  if (!optional(value, step, ["pid", "pgid"], positive)) return undefined;
  const handledBy = (field: unknown) =>
    Array.isArray(field) && field.every((id) => typeof id === "string");
  if (!optional(value, step, ["handledBy"], handledBy)) return undefined;
  const outputs = (field: unknown) =>
    isFields(field) && Object.values(field).every((entry) => typeof entry === "string");
  if (!optional(value, step, ["outputs"], outputs)) return undefined;
  return step as LenientStep;
}

/** status.json as LenientRunStatusSchema reads it, or undefined when zod must decide. */
export function fastLenientRunStatus(input: unknown): LenientStatus | undefined {
  if (!isFields(input) || !Array.isArray(input.steps)) return undefined;
  const { runId, workflowId, updatedAt, seq, outcome } = input;
  if (!isUuid(runId) || !isUuid(workflowId) || !isStamp(updatedAt)) return undefined;
  if (seq !== undefined && !isInt(seq, 0)) return undefined;
  const steps: LenientStep[] = [];
  for (const item of input.steps as unknown[]) {
    const step = fastStep(item);
    if (step === undefined) return undefined;
    steps.push(step);
  }
  const status: Fields = { runId, workflowId, updatedAt };
  if (seq !== undefined) status.seq = seq;
  status.steps = steps;
  if (outcome !== undefined) {
    if (!isFields(outcome) || !FINAL_STATUSES.has(outcome.finalStatus)) return undefined;
    const read: Fields = { finalStatus: outcome.finalStatus };
    if (!optional(outcome, read, ["reason", "code"], isString)) return undefined;
    status.outcome = read;
  }
  return status as LenientStatus;
}

/** check(LenientRunMetaSchema, input), the same answer, fast for files Runyard wrote. */
export function checkLenientRunMeta(input: unknown): Checked<LenientMeta> {
  const fast = fastLenientRunMeta(input);
  return fast === undefined ? check(LenientRunMetaSchema, input) : { ok: true, value: fast };
}

/** check(LenientRunStatusSchema, input), the same answer, fast for files Runyard wrote. */
export function checkLenientRunStatus(input: unknown): Checked<LenientStatus> {
  const fast = fastLenientRunStatus(input);
  return fast === undefined ? check(LenientRunStatusSchema, input) : { ok: true, value: fast };
}
