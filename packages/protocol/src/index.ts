// @runyard/protocol — the events, IPC messages and line codec every Runyard process speaks.
export {
  DEFAULT_MAX_LINE_BYTES,
  encodeEvent,
  encodeLine,
  encodeMessage,
  encodeStderrLine,
  eventToWire,
  STDERR_EVENT_PREFIX,
} from "./codec.js";
export { createStderrDecoder, createSummaryDecoder, decodeAll, decodeStream } from "./decode.js";
export {
  DECODE_ERROR_CODES,
  type DecodeErrorCode,
  type DecodeErrorDetails,
  EventOrderError,
  ProtocolDecodeError,
  ProtocolVersionError,
  type SchemaProblem,
  SummaryProblemError,
} from "./errors.js";
export {
  ArtifactSaveEventSchema,
  type DecodedEvent,
  type DurableEvent,
  DurableEventSchema,
  EventBaseSchema,
  type EventOf,
  type EventPayload,
  isDurableEvent,
  isKnownEventType,
  LogEventSchema,
  MessageSendEventSchema,
  RUN_EVENT_TYPES,
  RunEndEventSchema,
  type RunEvent,
  RunEventSchema,
  type RunEventType,
  RunStartEventSchema,
  StepEndEventSchema,
  StepExpandEventSchema,
  StepOutputEventSchema,
  StepStartEventSchema,
  StepStatusEventSchema,
  toUnknownEvent,
  type UnknownEvent,
  UnknownEventSchema,
} from "./events.js";
export type { DecoderContent, DecoderContentTypes } from "./interpret.js";
export { PROTOCOL_JSON_SCHEMAS } from "./json-schemas.js";
export {
  type DecodeResult,
  type DecoderOptions,
  type Framing,
  LineDecoder,
} from "./line-decoder.js";
export {
  type ByeMessage,
  ByeMessageSchema,
  type CancelMessage,
  CancelMessageSchema,
  type CancelOkMessage,
  CancelOkMessageSchema,
  type ClientMessage,
  ClientMessageSchema,
  type DecodedServerMessage,
  type ErrorMessage,
  ErrorMessageSchema,
  type EventMessage,
  EventMessageSchema,
  type HelloMessage,
  HelloMessageSchema,
  type OutputMessage,
  OutputMessageSchema,
  type PingMessage,
  PingMessageSchema,
  type PongMessage,
  PongMessageSchema,
  PROTOCOL_ERROR_CODES,
  PROTOCOL_VERSION,
  PROTOCOL_VERSIONS,
  type ServerMessage,
  ServerMessageSchema,
  type SubscribeMessage,
  SubscribeMessageSchema,
  toServerMessage,
  type WelcomeMessage,
  WelcomeMessageSchema,
} from "./messages.js";
export { type Negotiation, negotiateProtocolVersion, toErrorMessage } from "./negotiate.js";
export { fromRunError, type RunError, RunErrorSchema, toRunError } from "./run-error.js";
export {
  decodeRunSummary,
  type RunSummary,
  readRunSummary,
  type SummaryReadOptions,
} from "./run-summary.js";
export { EventSequencer, type EventSequencerOptions, type Stamped } from "./sequencer.js";
