// JSON Schemas of the wire format for integrators in other languages, generated from the zod
// schemas and committed under schemas/. They describe what this version writes; readers
// follow the compatibility rules of docs/protocol.md (ignore unknown fields, keep unknown
// event types). Same conventions as @runyard/schema's run-directory schemas.
import { z } from "zod";
import { RunEventSchema } from "./events.js";
import { ClientMessageSchema, ServerMessageSchema } from "./messages.js";

const SCHEMA_URL_BASE =
  "https://raw.githubusercontent.com/runyard/runyard/main/packages/protocol/schemas";

export interface ProtocolJsonSchemaSource {
  /** File name under the package's schemas/ directory. */
  readonly fileName: string;
  readonly title: string;
  readonly description: string;
  readonly schema: z.ZodType;
}

export const PROTOCOL_JSON_SCHEMAS: readonly ProtocolJsonSchemaSource[] = [
  {
    fileName: "run-event.schema.json",
    title: "Runyard run event",
    description:
      "One event of a Runyard run: a line of run_summary.jsonl, the JSON after __RUNYARD_EVENT__ on stderr, or the event of an IPC event/output message. Readers keep events of an unknown type and ignore unknown fields.",
    schema: RunEventSchema,
  },
  {
    fileName: "client-message.schema.json",
    title: "Runyard IPC client message",
    description: "A line a client sends on a run's ipc.sock: hello, subscribe, cancel or ping.",
    schema: ClientMessageSchema,
  },
  {
    fileName: "server-message.schema.json",
    title: "Runyard IPC server message",
    description:
      "A line the executor sends on a run's ipc.sock: welcome, event, output, pong, error or bye.",
    schema: ServerMessageSchema,
  },
];

/** The JSON Schema document for a source: `$schema`, `$id`, `title`, `description` first. */
export function protocolJsonSchemaDocument(
  source: ProtocolJsonSchemaSource,
): Record<string, unknown> {
  // "input": what a reader accepts — objects that are not strict allow other fields.
  const {
    $schema,
    description: _description,
    ...rest
  } = z.toJSONSchema(source.schema, {
    target: "draft-2020-12",
    io: "input",
  }) as Record<string, unknown>;
  return {
    $schema,
    $id: `${SCHEMA_URL_BASE}/${source.fileName}`,
    title: source.title,
    description: source.description,
    ...rest,
  };
}

/** The exact text committed for a source: two-space JSON and a final newline. */
export function renderProtocolJsonSchema(source: ProtocolJsonSchemaSource): string {
  return `${JSON.stringify(protocolJsonSchemaDocument(source), null, 2)}\n`;
}
