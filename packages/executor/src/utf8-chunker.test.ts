import { describe, expect, it } from "vitest";
import { incompleteTailLength, Utf8Chunker } from "./utf8-chunker.js";

describe("Utf8Chunker", () => {
  it("never splits a character, and accounts for every byte", () => {
    const text = "a é € 𝄞 end\n";
    const bytes = Buffer.from(text);
    for (let size = 1; size <= 4; size += 1) {
      const chunker = new Utf8Chunker();
      let offset = 0;
      let joined = "";
      let covered = 0;
      for (let start = 0; start < bytes.length; start += size) {
        const chunk = bytes.subarray(start, start + size);
        const piece = chunker.push(chunk, offset, true);
        offset += chunk.length;
        if (piece) {
          expect(piece.data).not.toContain("\uFFFD");
          expect(piece.offset).toBe(covered);
          covered += piece.bytes;
          joined += piece.data;
        }
      }
      expect(chunker.end(offset, true)).toBeUndefined();
      expect(joined).toBe(text);
      expect(covered).toBe(bytes.length);
    }
  });

  it("keeps the boundary while nobody listens, so a late listener starts on a character", () => {
    const chunker = new Utf8Chunker();
    const euro = Buffer.from("€x");
    expect(chunker.push(euro.subarray(0, 1), 0, false)).toBeUndefined();
    expect(chunker.push(euro.subarray(1), 1, true)).toEqual({ data: "€x", offset: 0, bytes: 4 });
  });

  it("finds an incomplete tail", () => {
    expect(incompleteTailLength(Buffer.from("ab"))).toBe(0);
    expect(incompleteTailLength(Buffer.from("€").subarray(0, 2))).toBe(2);
    expect(incompleteTailLength(Buffer.from("𝄞").subarray(0, 3))).toBe(3);
    expect(incompleteTailLength(Buffer.from("𝄞"))).toBe(0);
  });
});
