// The committed JSON Schemas must be exactly what the zod schemas generate. When this fails,
// regenerate them and commit the result:
//   RUNYARD_WRITE_SCHEMAS=1 pnpm vitest run --project protocol json-schemas
// They embed meta.json and status.json from @runyard/schema, so a change there drifts them too.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROTOCOL_JSON_SCHEMAS, renderProtocolJsonSchema } from "./index.js";

const directory = join(import.meta.dirname, "..", "schemas");
const write = process.env.RUNYARD_WRITE_SCHEMAS === "1";
const HOW_TO_FIX =
  "regenerate with `RUNYARD_WRITE_SCHEMAS=1 pnpm vitest run --project protocol json-schemas` (or `pnpm --filter @runyard/protocol schemas`) and commit packages/protocol/schemas/";

describe("JSON Schemas in schemas/", () => {
  if (write) mkdirSync(directory, { recursive: true });

  for (const source of PROTOCOL_JSON_SCHEMAS) {
    it(`${source.fileName} matches the zod schema`, () => {
      const path = join(directory, source.fileName);
      const expected = renderProtocolJsonSchema(source);
      if (write) writeFileSync(path, expected);
      const actual = existsSync(path) ? readFileSync(path, "utf8") : undefined;
      expect(actual, `${source.fileName} is missing or out of date: ${HOW_TO_FIX}`).toBe(expected);
    });
  }

  it("holds no schema that nothing generates", () => {
    const generated = new Set(PROTOCOL_JSON_SCHEMAS.map((source) => source.fileName));
    const extra = readdirSync(directory).filter((name) => !generated.has(name));
    expect(extra, `remove schemas no longer generated: ${extra.join(", ")}`).toEqual([]);
  });

  it("describe every event type and message type", () => {
    const types = (fileName: string) => {
      const document = JSON.parse(readFileSync(join(directory, fileName), "utf8")) as {
        oneOf?: { properties: { type: { const: string } } }[];
        anyOf?: { properties: { type: { const: string } } }[];
      };
      return (document.oneOf ?? document.anyOf ?? []).map((option) => option.properties.type.const);
    };
    expect(types("run-event.schema.json")).toEqual([
      "run-start",
      "run-end",
      "step-start",
      "step-status",
      "step-end",
      "log",
      "artifact-save",
      "message-send",
      "step-output",
    ]);
    expect(types("client-message.schema.json")).toEqual(["hello", "subscribe", "cancel", "ping"]);
    expect(types("server-message.schema.json")).toEqual([
      "welcome",
      "event",
      "output",
      "pong",
      "error",
      "bye",
    ]);
  });
});
