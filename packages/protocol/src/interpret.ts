// Turns a parsed JSON value into a typed message, per kind of stream. Reading is lenient
// where the protocol promises compatibility: unknown fields are dropped, an unknown event
// type becomes an UnknownEvent, an unknown step status becomes "unknown". Everything else
// that does not match is a problem with its field path.
import { isRecord, LenientStepStatusSchema } from "@runyard/schema";
import { z } from "zod";
import type { SchemaProblem } from "./errors.js";
import {
  type DecodedEvent,
  EventBaseSchema,
  isKnownEventType,
  RUN_EVENT_TYPES,
  RunEventSchema,
  StepEndEventSchema,
  StepStatusEventSchema,
  toUnknownEvent,
} from "./events.js";
import {
  type ClientMessage,
  ClientMessageSchema,
  type DecodedServerMessage,
  ServerMessageSchema,
} from "./messages.js";
import { describeValue, problemsFromIssues } from "./problems.js";

/** The kinds of stream a decoder reads; each has its own message type. */
export type DecoderContent = "event" | "client-message" | "server-message";
export interface DecoderContentTypes {
  /** run_summary.jsonl and the stderr form. */
  event: DecodedEvent;
  /** What the IPC server reads from a client. */
  "client-message": ClientMessage;
  /** What an IPC client reads from the server. */
  "server-message": DecodedServerMessage;
}

export type Interpretation<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly what: string;
      readonly problems: SchemaProblem[];
      /** How many problems there were; `problems` keeps the first MAX_PROBLEMS. */
      readonly total?: number;
    };

export type Interpreter<T> = (value: unknown) => Interpretation<T>;

type Schema = z.ZodType<unknown, unknown>;

function mismatch(
  what: string,
  path: string,
  expected: string,
  received: unknown,
): Interpretation<never> {
  const message =
    received === undefined
      ? `missing (expected ${expected})`
      : `expected ${expected}, got ${describeValue(received)}`;
  return { ok: false, what, problems: [{ path, expected, message }] };
}

function oneOf(values: readonly string[]): string {
  return `one of ${values.map((value) => JSON.stringify(value)).join(", ")}`;
}

/** The `type` field is missing, not a string, or not one of `known`. */
function badType(
  value: Record<string, unknown>,
  what: string,
  known: readonly string[],
  path = "type",
) {
  return mismatch(what, path, typeof value.type === "string" ? oneOf(known) : "string", value.type);
}

function parseWith<T>(
  schema: Schema,
  value: unknown,
  what: string,
  prefix?: string,
): Interpretation<T> {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data as T };
  return {
    ok: false,
    what,
    problems: problemsFromIssues(result.error.issues, value, prefix ? [prefix] : []),
    total: result.error.issues.length,
  };
}

// Reader variants of the writer schemas: the same shapes, with statuses mapped leniently.
const eventReaders = new Map<string, Schema>(
  RunEventSchema.options.map((option) => [option.shape.type.value, option as Schema]),
);
eventReaders.set("step-status", StepStatusEventSchema.extend({ status: LenientStepStatusSchema }));
eventReaders.set("step-end", StepEndEventSchema.extend({ status: LenientStepStatusSchema }));

const UnknownEventBaseSchema = EventBaseSchema.extend({ type: z.string() });

function interpretEvent(value: unknown, prefix?: string): Interpretation<DecodedEvent> {
  if (!isRecord(value)) return mismatch("event", prefix ?? "", "object", value);
  const type = value.type;
  if (typeof type !== "string")
    return badType(value, "event", RUN_EVENT_TYPES, prefix ? `${prefix}.type` : "type");
  const schema = eventReaders.get(type);
  if (schema) return parseWith(schema, value, `${type} event`, prefix);
  // A newer producer's event: the base fields must hold (readers resume and dedupe by seq).
  const base = parseWith(UnknownEventBaseSchema, value, `${type} event`, prefix);
  return base.ok ? { ok: true, value: toUnknownEvent(value) } : base;
}

const clientReaders = new Map<string, Schema>(
  ClientMessageSchema.options.map((option) => [option.shape.type.value, option as Schema]),
);
const CLIENT_TYPES = [...clientReaders.keys()];

function interpretClientMessage(value: unknown): Interpretation<ClientMessage> {
  if (!isRecord(value)) return mismatch("client message", "", "object", value);
  const schema = typeof value.type === "string" ? clientReaders.get(value.type) : undefined;
  if (!schema) return badType(value, "client message", CLIENT_TYPES);
  return parseWith(schema, value, `${value.type} message`);
}

const serverReaders = new Map<string, Schema>(
  ServerMessageSchema.options.map((option) => [option.shape.type.value, option as Schema]),
);
const SERVER_TYPES = [...serverReaders.keys()];
const DURABLE_TYPES = RUN_EVENT_TYPES.filter((type) => type !== "step-output");

function interpretServerMessage(value: unknown): Interpretation<DecodedServerMessage> {
  if (!isRecord(value)) return mismatch("server message", "", "object", value);
  const type = value.type;
  const schema = typeof type === "string" ? serverReaders.get(type) : undefined;
  if (!schema) return badType(value, "server message", SERVER_TYPES);
  if (type !== "event") return parseWith(schema, value, `${type} message`);
  // `event` is checked by hand so that an unknown event type inside it is kept, not refused.
  const inner = value.event;
  if (isRecord(inner) && inner.type === "step-output") {
    return badType(inner, "event message", DURABLE_TYPES, "event.type");
  }
  const event = interpretEvent(inner, "event");
  if (!event.ok) return { ...event, what: "event message" };
  return {
    ok: true,
    value: { type: "event", event: event.value as Exclude<DecodedEvent, { type: "step-output" }> },
  };
}

// Trusted input: no schema check, only what keeps the decoded value's type honest — an
// object with a string type, unknown event types wrapped.
function trustEvent(value: unknown): Interpretation<DecodedEvent> {
  if (!isRecord(value) || typeof value.type !== "string") return interpretEvent(value);
  if (isKnownEventType(value.type)) return { ok: true, value: value as DecodedEvent };
  return { ok: true, value: toUnknownEvent(value) };
}

function trustClientMessage(value: unknown): Interpretation<ClientMessage> {
  if (!isRecord(value) || typeof value.type !== "string") return interpretClientMessage(value);
  return { ok: true, value: value as ClientMessage };
}

function trustServerMessage(value: unknown): Interpretation<DecodedServerMessage> {
  if (!isRecord(value) || typeof value.type !== "string") return interpretServerMessage(value);
  if (value.type === "event" && isRecord(value.event)) {
    const event = trustEvent(value.event);
    if (event.ok && event.value.type === "unknown")
      return { ok: true, value: { type: "event", event: event.value } };
  }
  return { ok: true, value: value as DecodedServerMessage };
}

const interpreters: {
  [C in DecoderContent]: {
    validate: Interpreter<DecoderContentTypes[C]>;
    trust: Interpreter<DecoderContentTypes[C]>;
  };
} = {
  event: { validate: (value) => interpretEvent(value), trust: trustEvent },
  "client-message": { validate: interpretClientMessage, trust: trustClientMessage },
  "server-message": { validate: interpretServerMessage, trust: trustServerMessage },
};

/** The interpreter a decoder uses for `content`, validating or trusting. */
export function interpreterFor<C extends DecoderContent>(
  content: C,
  validate: boolean,
): Interpreter<DecoderContentTypes[C]> {
  const pair = interpreters[content];
  return validate ? pair.validate : pair.trust;
}
