// The committed JSON Schemas of the API must be exactly what the zod schemas generate. When
// this fails, regenerate them and commit the result: `pnpm --filter @runyard/gui schemas`
// (RUNYARD_WRITE_SCHEMAS=1 rewrites them).
import { join } from "node:path";
import { syncJsonSchemaFiles } from "@runyard/schema";
import { describe, expect, it } from "vitest";
import { GUI_API_JSON_SCHEMAS } from "./index.js";

const directory = join(import.meta.dirname, "..", "schemas");
const write = process.env.RUNYARD_WRITE_SCHEMAS === "1";

describe("JSON Schemas in schemas/", () => {
  it("match what the zod schemas generate, and none is left over (schemas drift check)", async () => {
    const results = await syncJsonSchemaFiles(directory, GUI_API_JSON_SCHEMAS, { write });
    const drifted = results
      .filter((result) => result.state !== "unchanged" && result.state !== "written")
      .map((result) => `${result.fileName}: ${result.state}`);
    expect(
      drifted,
      "apps/gui/schemas/ drifted from the zod schemas; regenerate with: pnpm --filter @runyard/gui schemas",
    ).toEqual([]);
  });
});
