// docs/protocol.md is the contract integrators read: every example in it must decode. Blocks
// fenced as ```json event, ```json client and ```json server each hold one value (the
// formatter pretty-prints them); each is encoded as a line and decoded with validation.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type DecoderContent, decodeAll, encodeLine, RUN_EVENT_TYPES } from "./index.js";

const documentPath = join(import.meta.dirname, "..", "..", "..", "docs", "protocol.md");
const document = readFileSync(documentPath, "utf8");
const CONTENT: Record<string, DecoderContent> = {
  event: "event",
  client: "client-message",
  server: "server-message",
};

const examples = [...document.matchAll(/```json (event|client|server)\n([\s\S]*?)```/g)].map(
  (match) => ({
    content: CONTENT[match[1] ?? ""] ?? "event",
    text: match[2] ?? "",
  }),
);

describe("docs/protocol.md examples", () => {
  it("has an example of every event and every message", () => {
    const types = examples.map(({ text }) => (JSON.parse(text) as { type: string }).type);
    for (const type of [...RUN_EVENT_TYPES, "hello", "subscribe", "cancel", "ping"])
      expect(types).toContain(type);
    for (const type of ["welcome", "event", "output", "pong", "error", "cancel-ok", "bye"])
      expect(types).toContain(type);
  });

  for (const [index, { content, text }] of examples.entries()) {
    it(`example ${index + 1} (${content}) is valid`, () => {
      const results = decodeAll(encodeLine(JSON.parse(text)), { content });
      expect(
        results.map((result) => (result.kind === "error" ? result.error.message : result.kind)),
      ).toEqual(["message"]);
    });
  }
});
