// Runs every conformance vector in vectors/ — the same files another implementation runs
// (docs/protocol.md, "Conformance vectors"). Each vector is decoded as chunked in the file,
// as one chunk and one byte at a time: the results must not depend on chunking.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type DecodeResult, LineDecoder } from "./index.js";

const directory = join(import.meta.dirname, "..", "vectors");

const VectorSchema = z
  .object({
    description: z.string(),
    decoder: z.object({
      content: z.enum(["event", "client-message", "server-message"]),
      framing: z.enum(["json-lines", "stderr"]),
      validate: z.boolean(),
      maxLineBytes: z.number().int().positive(),
    }),
    chunks: z.array(z.string()).optional(),
    chunksBase64: z.array(z.base64()).optional(),
    expected: z.array(
      z.discriminatedUnion("kind", [
        z.object({ kind: z.literal("message"), line: z.number(), value: z.unknown() }).strict(),
        z.object({ kind: z.literal("text"), line: z.number(), text: z.string() }).strict(),
        z
          .object({
            kind: z.literal("error"),
            line: z.number(),
            code: z.string(),
            message: z.string(),
            problems: z
              .array(z.object({ path: z.string(), expected: z.string() }).strict())
              .optional(),
          })
          .strict(),
      ]),
    ),
  })
  .strict()
  .refine((vector) => (vector.chunks === undefined) !== (vector.chunksBase64 === undefined), {
    message: "exactly one of chunks and chunksBase64",
  });
type Vector = z.infer<typeof VectorSchema>;

function inputChunks(vector: Vector): Uint8Array[] {
  if (vector.chunks) return vector.chunks.map((chunk) => new TextEncoder().encode(chunk));
  return (vector.chunksBase64 ?? []).map((chunk) => Uint8Array.from(Buffer.from(chunk, "base64")));
}

/** A result in the vector's form; problems only where the vector can state them. */
function project(result: DecodeResult<unknown>) {
  if (result.kind !== "error") return result;
  const { code, message, problems } = result.error;
  return {
    kind: "error",
    line: result.line,
    code,
    message,
    ...(problems.length > 0
      ? {
          problems: problems.map((problem) => ({ path: problem.path, expected: problem.expected })),
        }
      : {}),
  };
}

function run(vector: Vector, chunks: readonly Uint8Array[]) {
  const decoder = new LineDecoder(vector.decoder);
  const results: DecodeResult<unknown>[] = [];
  for (const chunk of chunks) results.push(...decoder.push(chunk));
  results.push(...decoder.end());
  return results.map(project);
}

const index = JSON.parse(readFileSync(join(directory, "index.json"), "utf8")) as {
  vectors: string[];
};

describe("conformance vectors", () => {
  it("index.json lists every vector file, in order", () => {
    const files = readdirSync(directory)
      .filter((name) => name !== "index.json" && name.endsWith(".json"))
      .sort();
    expect(index.vectors).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(25);
  });

  for (const file of index.vectors) {
    it(file, () => {
      const vector = VectorSchema.parse(JSON.parse(readFileSync(join(directory, file), "utf8")));
      const chunks = inputChunks(vector);
      expect(run(vector, chunks), "as chunked in the vector").toEqual(vector.expected);
      const whole = Uint8Array.from(chunks.flatMap((chunk) => [...chunk]));
      expect(run(vector, [whole]), "as one chunk").toEqual(vector.expected);
      const bytes = Array.from(whole, (_, at) => whole.subarray(at, at + 1));
      expect(run(vector, bytes), "one byte at a time").toEqual(vector.expected);
    });
  }

  it("cover every decode path", () => {
    const seen = new Set<string>();
    for (const file of index.vectors) {
      const vector = VectorSchema.parse(JSON.parse(readFileSync(join(directory, file), "utf8")));
      seen.add(`content:${vector.decoder.content}`);
      seen.add(`framing:${vector.decoder.framing}`);
      seen.add(`validate:${vector.decoder.validate}`);
      if (vector.chunksBase64) seen.add("bytes");
      for (const result of vector.expected)
        seen.add(result.kind === "error" ? result.code : result.kind);
    }
    expect([...seen].sort()).toEqual(
      [
        "E_INVALID_JSON",
        "E_LINE_TOO_LONG",
        "E_SCHEMA_MISMATCH",
        "E_TORN_LINE",
        "bytes",
        "content:client-message",
        "content:event",
        "content:server-message",
        "framing:json-lines",
        "framing:stderr",
        "message",
        "text",
        "validate:false",
        "validate:true",
      ].sort(),
    );
  });
});
