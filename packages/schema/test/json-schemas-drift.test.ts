// The committed JSON Schemas are what integrators in other languages validate against; this
// test fails when they no longer match the zod schemas. RUNYARD_WRITE_SCHEMAS=1 (the
// package's `schemas` script) rewrites them instead.
import { fileURLToPath } from "node:url";
import { RUN_DIRECTORY_JSON_SCHEMAS, syncJsonSchemaFiles } from "@runyard/schema";
import { describe, expect, it } from "vitest";

const directory = fileURLToPath(new URL("../schemas/", import.meta.url));
const write = process.env.RUNYARD_WRITE_SCHEMAS === "1";

describe("committed JSON Schemas", () => {
  it("match what the zod schemas generate (schemas drift check)", async () => {
    const results = await syncJsonSchemaFiles(directory, RUN_DIRECTORY_JSON_SCHEMAS, { write });
    const drifted = results
      .filter((result) => result.state !== "unchanged" && result.state !== "written")
      .map((result) => `${result.fileName}: ${result.state}`);
    expect(
      drifted,
      "packages/schema/schemas/ drifted from the zod schemas; regenerate with: pnpm --filter @runyard/schema schemas",
    ).toEqual([]);
  });

  it("give each file a $id and a title", () => {
    for (const source of RUN_DIRECTORY_JSON_SCHEMAS) {
      expect(source.id).toBe(
        `https://raw.githubusercontent.com/runyard/runyard/main/packages/schema/schemas/${source.fileName}`,
      );
      expect(source.title).not.toBe("");
    }
  });
});
