// fast-check arbitraries for every event and message this version writes: valid by
// construction, covering optional fields absent and present, non-ASCII and lone surrogates.
import { STEP_STATUSES } from "@runyard/schema";
import fc from "fast-check";
import type { ClientMessage, RunEvent, ServerMessage } from "../src/index.js";

const loneSurrogate = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((code) => String.fromCharCode(code));

/** Any text, including astral characters, control characters and lone surrogates. */
export const text = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.string({
    unit: fc.oneof(fc.string({ unit: "binary", minLength: 1, maxLength: 1 }), loneSurrogate),
  }),
);
const nonEmptyText = fc.oneof(
  fc.string({ minLength: 1 }),
  fc.string({ unit: "binary", minLength: 1 }),
);
const uuid = fc.uuid();
const timestamp = fc
  .date({
    min: new Date("2000-01-01T00:00:00.000Z"),
    max: new Date("2099-12-31T23:59:59.999Z"),
    noInvalidDate: true,
  })
  .map((date) => date.toISOString());
const positive = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER });
const nonNegative = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const anyInteger = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
// JSON has no -0: it would come back as 0, which is not a codec bug.
const duration = fc.double({ min: 0, max: 1e12, noNaN: true }).map((value) => value + 0);
const stepStatus = fc.constantFrom(...STEP_STATUSES);
const finalStatus = fc.constantFrom("success" as const, "failed" as const, "cancelled" as const);

const base = { runId: uuid, seq: positive, ts: timestamp };

export const runStartEvent = fc.record({
  type: fc.constant("run-start" as const),
  ...base,
  workflowId: uuid,
  workflowName: text,
  workflowFile: text,
  pid: positive,
  host: text,
  steps: fc.array(
    fc.record({ nodeId: nonEmptyText, name: text, needs: fc.array(text, { maxLength: 3 }) }),
    {
      maxLength: 5,
    },
  ),
});

export const runEndEvent = fc.record(
  {
    type: fc.constant("run-end" as const),
    ...base,
    finalStatus,
    durationMs: duration,
    reason: text,
    returnValue: text,
  },
  { requiredKeys: ["type", "runId", "seq", "ts", "finalStatus", "durationMs"] },
);

export const stepStartEvent = fc.record({
  type: fc.constant("step-start" as const),
  ...base,
  stepId: nonEmptyText,
  name: text,
  nodeId: nonEmptyText,
  captureSeq: positive,
  attempt: positive,
  out: text,
  err: text,
  backend: text,
});

export const stepStatusEvent = fc.record(
  {
    type: fc.constant("step-status" as const),
    ...base,
    stepId: nonEmptyText,
    status: stepStatus,
    reason: text,
    jobId: text,
  },
  { requiredKeys: ["type", "runId", "seq", "ts", "stepId", "status"] },
);

export const stepEndEvent = fc.record(
  {
    type: fc.constant("step-end" as const),
    ...base,
    stepId: nonEmptyText,
    captureSeq: positive,
    attempt: positive,
    status: stepStatus,
    exitCode: fc.option(anyInteger, { nil: null }),
    signal: fc.option(text, { nil: null }),
    durationMs: duration,
    reason: text,
    outputs: fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), text, { maxKeys: 3 }),
  },
  {
    requiredKeys: [
      "type",
      "runId",
      "seq",
      "ts",
      "stepId",
      "status",
      "exitCode",
      "signal",
      "durationMs",
    ],
  },
);

export const stepOutputEvent = fc.record(
  {
    type: fc.constant("step-output" as const),
    ...base,
    seq: nonNegative,
    stepId: nonEmptyText,
    captureSeq: positive,
    stream: fc.constantFrom("stdout" as const, "stderr" as const),
    offset: nonNegative,
    bytes: nonNegative,
    data: text,
  },
  {
    requiredKeys: [
      "type",
      "runId",
      "seq",
      "ts",
      "stepId",
      "captureSeq",
      "stream",
      "offset",
      "data",
    ],
  },
);

export const stepExpandEvent = fc.record(
  {
    type: fc.constant("step-expand" as const),
    ...base,
    stepId: nonEmptyText,
    items: fc.array(fc.record({ nodeId: nonEmptyText, item: text }), { maxLength: 5 }),
    total: nonNegative,
    file: text,
    parallel: positive,
    resumed: fc.constant(true as const),
  },
  { requiredKeys: ["type", "runId", "seq", "ts", "stepId", "items", "total"] },
);

export const runResumeEvent = fc.record(
  {
    type: fc.constant("run-resume" as const),
    ...base,
    previous: fc.constantFrom("failed" as const, "cancelled" as const, "crashed" as const),
    pid: positive,
    host: text,
    resume: positive,
    lost: fc.array(fc.record({ stepId: nonEmptyText, captureSeq: positive }), { maxLength: 3 }),
  },
  { requiredKeys: ["type", "runId", "seq", "ts", "previous", "pid", "host", "resume"] },
);

export const logEvent = fc.record(
  {
    type: fc.constant("log" as const),
    ...base,
    level: fc.constantFrom("info" as const, "warn" as const, "error" as const),
    message: text,
    stepId: nonEmptyText,
  },
  { requiredKeys: ["type", "runId", "seq", "ts", "level", "message"] },
);

export const artifactSaveEvent = fc.record(
  {
    type: fc.constant("artifact-save" as const),
    ...base,
    path: text,
    size: nonNegative,
    stepId: nonEmptyText,
  },
  { requiredKeys: ["type", "runId", "seq", "ts", "path", "size"] },
);

export const messageSendEvent = fc.record(
  { type: fc.constant("message-send" as const), ...base, channel: text, sender: text, file: text },
  { requiredKeys: ["type", "runId", "seq", "ts", "channel", "sender"] },
);

export const durableEvent = fc.oneof(
  runStartEvent,
  runEndEvent,
  runResumeEvent,
  stepStartEvent,
  stepExpandEvent,
  stepStatusEvent,
  stepEndEvent,
  logEvent,
  artifactSaveEvent,
  messageSendEvent,
);

export const runEvent: fc.Arbitrary<RunEvent> = fc.oneof(durableEvent, stepOutputEvent);

/** One arbitrary per event type, by name, so a failure names the type. */
export const eventArbitraries: Record<RunEvent["type"], fc.Arbitrary<RunEvent>> = {
  "run-start": runStartEvent,
  "run-end": runEndEvent,
  "run-resume": runResumeEvent,
  "step-start": stepStartEvent,
  "step-expand": stepExpandEvent,
  "step-status": stepStatusEvent,
  "step-end": stepEndEvent,
  "step-output": stepOutputEvent,
  log: logEvent,
  "artifact-save": artifactSaveEvent,
  "message-send": messageSendEvent,
};

const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null });

export const clientMessageArbitraries: Record<
  ClientMessage["type"],
  fc.Arbitrary<ClientMessage>
> = {
  hello: fc.record({
    type: fc.constant("hello" as const),
    protocolVersions: fc.array(positive, { minLength: 1, maxLength: 4 }),
    client: text,
  }),
  subscribe: fc.record({
    type: fc.constant("subscribe" as const),
    fromSeq: positive,
    output: fc.oneof(fc.boolean(), fc.array(text, { maxLength: 3 })),
  }),
  cancel: fc.record(
    {
      type: fc.constant("cancel" as const),
      stepId: text,
      reason: text,
      id: text,
      force: fc.boolean(),
    },
    { requiredKeys: ["type"] },
  ),
  ping: fc.record({ type: fc.constant("ping" as const), id: text }, { requiredKeys: ["type"] }),
  "step-log": fc.record({
    type: fc.constant("step-log" as const),
    id: text,
    stepId: text,
    stepSeq: positive,
    level: fc.constantFrom("info" as const, "warn" as const, "error" as const),
    message: text,
  }),
  "step-send": fc.record({
    type: fc.constant("step-send" as const),
    id: text,
    stepId: text,
    stepSeq: positive,
    channel: text,
    staged: text,
  }),
  "step-artifact": fc.record({
    type: fc.constant("step-artifact" as const),
    id: text,
    stepId: text,
    stepSeq: positive,
    name: text,
    staged: text,
  }),
};

const runMeta = fc.record(
  {
    schemaVersion: positive,
    runId: uuid,
    workflowId: uuid,
    workflowFile: nonEmptyText,
    workflowName: text,
    pid: positive,
    startedOn: nonEmptyText,
    startedAt: timestamp,
    endedAt: optional(timestamp),
    finalStatus: optional(finalStatus),
    executor: fc.record({
      pid: positive,
      processStartTicks: optional(fc.stringMatching(/^\d{1,12}$/)),
      bootId: optional(text),
    }),
    user: text,
    cwd: text,
    runyardVersion: text,
  },
  {
    requiredKeys: [
      "schemaVersion",
      "runId",
      "workflowId",
      "workflowFile",
      "workflowName",
      "pid",
      "startedOn",
      "startedAt",
      "endedAt",
      "finalStatus",
    ],
  },
);

const stepState = fc.record(
  {
    name: text,
    nodeId: nonEmptyText,
    status: stepStatus,
    seq: positive,
    attempt: positive,
    startedAt: timestamp,
    endedAt: timestamp,
    exitCode: optional(anyInteger),
    signal: optional(text),
    reason: text,
    backend: text,
    jobId: text,
  },
  { requiredKeys: ["name", "nodeId", "status"] },
);

const runStatus = fc.record(
  {
    runId: uuid,
    workflowId: uuid,
    updatedAt: timestamp,
    seq: nonNegative,
    steps: fc.array(stepState, { maxLength: 4 }),
  },
  { requiredKeys: ["runId", "workflowId", "updatedAt", "steps"] },
);

export const serverMessageArbitraries: Record<
  ServerMessage["type"],
  fc.Arbitrary<ServerMessage>
> = {
  welcome: fc.record({
    type: fc.constant("welcome" as const),
    protocolVersion: positive,
    meta: runMeta,
    status: runStatus,
    lastSeq: nonNegative,
  }),
  event: fc.record({ type: fc.constant("event" as const), event: durableEvent }),
  output: fc.record({ type: fc.constant("output" as const), event: stepOutputEvent }),
  pong: fc.record({ type: fc.constant("pong" as const), id: text }, { requiredKeys: ["type"] }),
  error: fc.record(
    { type: fc.constant("error" as const), code: text, message: text, id: text },
    { requiredKeys: ["type", "code", "message"] },
  ),
  "cancel-ok": fc.record({ type: fc.constant("cancel-ok" as const), id: text }),
  "step-ok": fc.record(
    { type: fc.constant("step-ok" as const), id: text, seq: positive, path: text },
    { requiredKeys: ["type", "id", "seq"] },
  ),
  bye: fc.record({ type: fc.constant("bye" as const), finalStatus: optional(finalStatus) }),
};
