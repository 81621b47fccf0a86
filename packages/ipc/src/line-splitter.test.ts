import { describe, expect, it } from "vitest";
import { LineSplitter } from "./line-splitter.js";

describe("LineSplitter", () => {
  it("rebuilds lines split anywhere, even inside a UTF-8 character", () => {
    const bytes = Buffer.from('{"a":"é€𝄞"}\r\n{"b":2}\n{"c"');
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      const splitter = new LineSplitter();
      const lines = [
        ...splitter.push(bytes.subarray(0, cut)),
        ...splitter.push(bytes.subarray(cut)),
      ];
      expect(lines).toEqual([
        { ok: true, line: '{"a":"é€𝄞"}' },
        { ok: true, line: '{"b":2}' },
      ]);
    }
  });

  it("reports an over-long line once and keeps the lines after it", () => {
    const splitter = new LineSplitter(10);
    const results = [
      ...splitter.push(Buffer.from("0123456789ABC")),
      ...splitter.push(Buffer.from("DEF\nok\n")),
    ];
    expect(results).toEqual([
      { ok: false, message: "line longer than 10 bytes, skipped" },
      { ok: true, line: "ok" },
    ]);
  });
});
