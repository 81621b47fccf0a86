// The committed JSON Schemas must be exactly what the zod schemas generate. When this fails,
// regenerate them and commit the result: `pnpm --filter @runyard/protocol schemas`
// (RUNYARD_WRITE_SCHEMAS=1 rewrites them). They embed meta.json and status.json from
// @runyard/schema, so a change there drifts them too.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { syncJsonSchemaFiles } from "@runyard/schema";
import { describe, expect, it } from "vitest";
import { PROTOCOL_JSON_SCHEMAS } from "./index.js";

const directory = join(import.meta.dirname, "..", "schemas");
const write = process.env.RUNYARD_WRITE_SCHEMAS === "1";

describe("JSON Schemas in schemas/", () => {
  it("match what the zod schemas generate, and none is left over (schemas drift check)", async () => {
    const results = await syncJsonSchemaFiles(directory, PROTOCOL_JSON_SCHEMAS, { write });
    const drifted = results
      .filter((result) => result.state !== "unchanged" && result.state !== "written")
      .map((result) => `${result.fileName}: ${result.state}`);
    expect(
      drifted,
      "packages/protocol/schemas/ drifted from the zod schemas; regenerate with: pnpm --filter @runyard/protocol schemas",
    ).toEqual([]);
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
      "run-resume",
      "step-start",
      "step-expand",
      "step-status",
      "step-end",
      "log",
      "artifact-save",
      "message-send",
      "step-output",
    ]);
    expect(types("client-message.schema.json")).toEqual([
      "hello",
      "subscribe",
      "cancel",
      "ping",
      "step-log",
      "step-send",
      "step-artifact",
    ]);
    expect(types("server-message.schema.json")).toEqual([
      "welcome",
      "event",
      "output",
      "pong",
      "error",
      "cancel-ok",
      "step-ok",
      "bye",
    ]);
  });
});
