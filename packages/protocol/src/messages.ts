// Messages on ipc.sock: one JSON object per line in each direction. A client says hello,
// the server answers welcome (meta, status snapshot, last seq), then streams what the
// client subscribed to.
import { FinalStatusSchema, LenientRunMetaSchema, LenientRunStatusSchema } from "@runyard/schema";
import { z } from "zod";
import {
  type DecodedEvent,
  DurableEventSchema,
  type RunEvent,
  StepOutputEventSchema,
} from "./events.js";
import { RunErrorSchema } from "./run-error.js";

/** Protocol versions this implementation speaks, oldest first. */
export const PROTOCOL_VERSIONS = [1] as const;
/** The newest version this implementation speaks. */
export const PROTOCOL_VERSION = 1;

/** Codes a server puts in `error` messages; a client may branch on them, never on text. */
export const PROTOCOL_ERROR_CODES = {
  /** hello offered no version the server speaks; the server closes after the error. */
  protocolVersion: "E_PROTOCOL_VERSION",
  /** A message other than hello came first; the server closes after the error. */
  helloRequired: "E_HELLO_REQUIRED",
  /** A message that is valid but not now: a second hello, a second subscribe. */
  protocolState: "E_PROTOCOL_STATE",
  /** A line the server could not decode; the server ignores it and goes on. */
  badMessage: "E_BAD_MESSAGE",
  /** The server could not replay run_summary.jsonl; it closes, the client may retry. */
  replay: "E_REPLAY",
  /**
   * run_summary.jsonl breaks the seq rule (a gap, a forged or garbled line): the replay stops
   * there; the server closes. Retrying cannot help; read the run's files instead.
   */
  timelineDamaged: "E_TIMELINE_DAMAGED",
  /** The client fell too far behind; the server closes. Reconnect, subscribe from the last seq. */
  clientTooSlow: "E_CLIENT_TOO_SLOW",
  /** The server has as many clients as it serves; it closes. Retry later. */
  tooManyClients: "E_TOO_MANY_CLIENTS",
  /** No hello within the server's deadline after connecting; the server closes. */
  helloTimeout: "E_HELLO_TIMEOUT",
  /** The client sent more messages than the server's rate limit allows; the server closes. */
  tooManyRequests: "E_TOO_MANY_REQUESTS",
  /** This server does not accept the request (e.g. cancel on a read-only server). */
  unsupported: "E_UNSUPPORTED",
  /** cancel named a step the run does not have. */
  unknownStep: "E_UNKNOWN_STEP",
  /** cancel named a step that has already ended. */
  stepEnded: "E_STEP_ENDED",
  /** cancel arrived after the run ended. */
  runEnded: "E_RUN_ENDED",
  /** cancel failed for another reason; the message says which. */
  cancel: "E_CANCEL",
  /** A step request named a step that is not running now (or an attempt that has ended). */
  stepNotRunning: "E_STEP_NOT_RUNNING",
  /** A step request the executor refused: a bad channel or artifact name, a name taken. */
  stepRequest: "E_STEP_REQUEST",
} as const;

// Client → server

export const HelloMessageSchema = z.object({
  type: z.literal("hello"),
  protocolVersions: z
    .array(z.number().int().positive())
    .min(1)
    .describe("Versions the client speaks"),
  client: z.string().describe("Client name and version, e.g. runyard-cli/0.1.0"),
});

export const SubscribeMessageSchema = z.object({
  type: z.literal("subscribe"),
  fromSeq: z
    .number()
    .int()
    .positive()
    .describe("Replay durable events with seq >= fromSeq, then stream live ones"),
  output: z
    .union([z.boolean(), z.array(z.string())])
    .describe("Step output to stream: none (false), all (true) or these step ids"),
});

export const CancelMessageSchema = z.object({
  type: z.literal("cancel"),
  stepId: z.string().optional().describe("Cancel one step; absent cancels the whole run"),
  reason: z.string().optional(),
  // Both optional and new within version 1: a server that predates them ignores them (it
  // drops unknown fields), so a client that needs the answer follows its cancel with a ping.
  id: z
    .string()
    .optional()
    .describe("Asks for an answer: cancel-ok, or an error, carrying this id"),
  force: z
    .boolean()
    .optional()
    .describe("Kill every process now, without the grace period (the second Ctrl-C)"),
});

export const PingMessageSchema = z.object({
  type: z.literal("ping"),
  id: z.string().optional(),
});

// Step requests: what the commands a step runs (`runyard log`, `send`, `artifact save`) ask of
// the run's executor, which alone writes the timeline. Each carries the asking step's id and
// its attempt's capture seq ($RUNYARD_STEP_ID, $RUNYARD_STEP_SEQ): the executor refuses a step
// that is not running, or an attempt that has ended. Each is answered with step-ok or an error
// carrying its id.
const stepRequestFields = {
  id: z.string().describe("Answered by step-ok, or an error, carrying this id"),
  stepId: z.string().describe("The asking step: $RUNYARD_STEP_ID"),
  stepSeq: z
    .number()
    .int()
    .positive()
    .describe("The capture seq of the asking attempt: $RUNYARD_STEP_SEQ"),
};

export const StepLogMessageSchema = z.object({
  type: z.literal("step-log"),
  ...stepRequestFields,
  level: z.enum(["info", "warn", "error"]),
  message: z.string().describe("The text, at most 64 KiB of UTF-8"),
});

export const StepSendMessageSchema = z.object({
  type: z.literal("step-send"),
  ...stepRequestFields,
  channel: z.string().describe("The channel (the step id rule)"),
  staged: z
    .string()
    .describe(
      "The message's bytes, written by the step in inbox/ under this hidden name (.staged-<pid>-<hex>.tmp); the executor publishes it as inbox/NNN-<channel>.txt",
    ),
});

export const StepArtifactMessageSchema = z.object({
  type: z.literal("step-artifact"),
  ...stepRequestFields,
  name: z.string().describe("The artifact's file name under artifacts/"),
  staged: z
    .string()
    .describe(
      "The file's copy, written by the step in artifacts/ under this hidden name (.staged-<pid>-<hex>.tmp); the executor publishes it as artifacts/<name>",
    ),
});

export const ClientMessageSchema = z.discriminatedUnion("type", [
  HelloMessageSchema,
  SubscribeMessageSchema,
  CancelMessageSchema,
  PingMessageSchema,
  StepLogMessageSchema,
  StepSendMessageSchema,
  StepArtifactMessageSchema,
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

// Server → client

// meta.json and status.json travel in the welcome as a reader of the files sees them (the
// run-dir contract's reader schemas): fields a newer server adds are ignored, and a step
// status this version does not know reads as "unknown". Same types as the files.
export const WelcomeMessageSchema = z.object({
  type: z.literal("welcome"),
  protocolVersion: z.number().int().positive().describe("The version the server chose"),
  meta: LenientRunMetaSchema.describe("meta.json of the run"),
  status: LenientRunStatusSchema.describe("status.json of the run: every step's state"),
  lastSeq: z.number().int().nonnegative().describe("Seq of the last durable event so far"),
});

export const EventMessageSchema = z.object({
  type: z.literal("event"),
  event: DurableEventSchema.describe("A durable event; step output travels in `output`"),
});

export const OutputMessageSchema = z.object({
  type: z.literal("output"),
  event: StepOutputEventSchema,
});

export const PongMessageSchema = z.object({
  type: z.literal("pong"),
  id: z.string().optional(),
});

export const ErrorMessageSchema = z.object({
  type: z.literal("error"),
  code: z.string().describe("Stable error code, e.g. E_PROTOCOL_VERSION"),
  message: z.string(),
  id: z.string().optional().describe("The id of the request this error answers, if it had one"),
});

/** The answer to a cancel that carried an `id`: accepted. Only a client that sends ids gets it. */
export const CancelOkMessageSchema = z.object({
  type: z.literal("cancel-ok"),
  id: z.string().describe("The id of the cancel it answers"),
});

/** The answer to a step request: done, and recorded as the event with this seq. */
export const StepOkMessageSchema = z.object({
  type: z.literal("step-ok"),
  id: z.string().describe("The id of the step request it answers"),
  seq: z.number().int().positive().describe("Seq of the event that records it"),
  path: z
    .string()
    .optional()
    .describe(
      "The file it published, relative to the run directory (inbox/001-results.txt, artifacts/report.csv)",
    ),
});

export const ByeMessageSchema = z.object({
  type: z.literal("bye"),
  finalStatus: FinalStatusSchema.nullable().describe(
    "null when the server closes before the run ended",
  ),
  error: RunErrorSchema.optional().describe(
    "Why the executor could not keep the run's record (a full disk): the run ended failed because of it",
  ),
});

export const ServerMessageSchema = z.discriminatedUnion("type", [
  WelcomeMessageSchema,
  EventMessageSchema,
  OutputMessageSchema,
  PongMessageSchema,
  ErrorMessageSchema,
  CancelOkMessageSchema,
  StepOkMessageSchema,
  ByeMessageSchema,
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

/** A server message as a client decodes it: an `event` may hold an unknown event type. */
export type DecodedServerMessage =
  | Exclude<ServerMessage, { type: "event" }>
  | { type: "event"; event: Exclude<DecodedEvent, { type: "step-output" }> };

/** The message that carries `event` to a subscriber: `output` for step-output, else `event`. */
export function toServerMessage(event: RunEvent): ServerMessage {
  return event.type === "step-output" ? { type: "output", event } : { type: "event", event };
}

export type HelloMessage = z.infer<typeof HelloMessageSchema>;
export type SubscribeMessage = z.infer<typeof SubscribeMessageSchema>;
export type CancelMessage = z.infer<typeof CancelMessageSchema>;
export type PingMessage = z.infer<typeof PingMessageSchema>;
export type StepLogMessage = z.infer<typeof StepLogMessageSchema>;
export type StepSendMessage = z.infer<typeof StepSendMessageSchema>;
export type StepArtifactMessage = z.infer<typeof StepArtifactMessageSchema>;
/** A request from a step's command: log, send or artifact. */
export type StepRequestMessage = StepLogMessage | StepSendMessage | StepArtifactMessage;
export type StepOkMessage = z.infer<typeof StepOkMessageSchema>;
export type WelcomeMessage = z.infer<typeof WelcomeMessageSchema>;
export type EventMessage = z.infer<typeof EventMessageSchema>;
export type OutputMessage = z.infer<typeof OutputMessageSchema>;
export type PongMessage = z.infer<typeof PongMessageSchema>;
export type ErrorMessage = z.infer<typeof ErrorMessageSchema>;
export type CancelOkMessage = z.infer<typeof CancelOkMessageSchema>;
export type ByeMessage = z.infer<typeof ByeMessageSchema>;
