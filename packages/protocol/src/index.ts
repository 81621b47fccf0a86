// @runyard/protocol — the events, IPC messages and line codec every Runyard process speaks.
export { encodeLine, encodeStderrLine, STDERR_EVENT_PREFIX } from "./codec.js";
export {
  ArtifactSaveEventSchema,
  EventBaseSchema,
  type EventOf,
  type EventPayload,
  isDurableEvent,
  LogEventSchema,
  MessageSendEventSchema,
  RunEndEventSchema,
  type RunEvent,
  RunEventSchema,
  type RunEventType,
  RunStartEventSchema,
  StepEndEventSchema,
  StepOutputEventSchema,
  StepStartEventSchema,
  StepStatusEventSchema,
} from "./events.js";
