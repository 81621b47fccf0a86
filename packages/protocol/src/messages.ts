// Messages on ipc.sock: one JSON object per line in each direction. A client says hello,
// the server answers welcome (meta, status snapshot, last seq), then streams what the
// client subscribed to.
import { FinalStatusSchema, RunMetaSchema, RunStatusSchema } from "@runyard/schema";
import { z } from "zod";
import { RunEventSchema, StepOutputEventSchema } from "./events.js";

/** Protocol versions this implementation speaks, oldest first. */
export const PROTOCOL_VERSIONS = [1] as const;
export const PROTOCOL_VERSION = 1;

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
});

export const PingMessageSchema = z.object({
  type: z.literal("ping"),
  id: z.string().optional(),
});

export const ClientMessageSchema = z.discriminatedUnion("type", [
  HelloMessageSchema,
  SubscribeMessageSchema,
  CancelMessageSchema,
  PingMessageSchema,
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

// Server → client

export const WelcomeMessageSchema = z.object({
  type: z.literal("welcome"),
  protocolVersion: z.number().int().positive(),
  meta: RunMetaSchema,
  status: RunStatusSchema,
  lastSeq: z.number().int().nonnegative().describe("Seq of the last durable event so far"),
});

export const EventMessageSchema = z.object({
  type: z.literal("event"),
  event: RunEventSchema,
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
});

export const ByeMessageSchema = z.object({
  type: z.literal("bye"),
  finalStatus: FinalStatusSchema.nullable().describe(
    "null when the server closes before the run ended",
  ),
});

export const ServerMessageSchema = z.discriminatedUnion("type", [
  WelcomeMessageSchema,
  EventMessageSchema,
  OutputMessageSchema,
  PongMessageSchema,
  ErrorMessageSchema,
  ByeMessageSchema,
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
