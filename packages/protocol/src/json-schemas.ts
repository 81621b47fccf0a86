// JSON Schemas of the wire format for integrators in other languages, made from the zod
// schemas by @runyard/schema's generator and committed under schemas/. They describe what
// this version writes; readers follow the compatibility rules of docs/protocol.md (ignore
// unknown fields, keep unknown event types).
import { type JsonSchemaSource, jsonSchemaId } from "@runyard/schema";
import { RunEventSchema } from "./events.js";
import { ClientMessageSchema, ServerMessageSchema } from "./messages.js";

/** The protocol's JSON Schemas, committed as packages/protocol/schemas/*.json. */
export const PROTOCOL_JSON_SCHEMAS: readonly JsonSchemaSource[] = [
  {
    fileName: "run-event.schema.json",
    id: jsonSchemaId("protocol", "run-event.schema.json"),
    title: "Runyard run event",
    description:
      "One event of a Runyard run: a line of run_summary.jsonl, the JSON after __RUNYARD_EVENT__ on stderr, or the event of an IPC event/output message. Readers keep events of an unknown type and ignore unknown fields.",
    schema: RunEventSchema,
    io: "input",
  },
  {
    fileName: "client-message.schema.json",
    id: jsonSchemaId("protocol", "client-message.schema.json"),
    title: "Runyard IPC client message",
    description:
      "A line a client sends on a run's ipc.sock: hello, subscribe, cancel, ping, or a step request (step-log, step-send, step-artifact).",
    schema: ClientMessageSchema,
    io: "input",
  },
  {
    fileName: "server-message.schema.json",
    id: jsonSchemaId("protocol", "server-message.schema.json"),
    title: "Runyard IPC server message",
    description:
      "A line the executor sends on a run's ipc.sock: welcome, event, output, pong, error, cancel-ok, step-ok or bye.",
    schema: ServerMessageSchema,
    io: "input",
  },
];
