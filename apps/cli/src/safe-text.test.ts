import { describe, expect, it } from "vitest";
import { safeOutput, safeText, TerminalFilter } from "./safe-text.js";

const ESC = "\u001b";

describe("safeText", () => {
  it("shows every control character instead of sending it", () => {
    expect(safeText(`a${ESC}]0;title\u0007${ESC}[2J\tb\nc\rd\u0000\u007f\u009b`)).toBe(
      "a\\e]0;title\\x07\\e[2J\\tb\\nc\\rd\\x00\\x7f\\x9b",
    );
    // Bidirectional overrides reorder what a reader sees; line separators break a table row.
    expect(safeText("run\u202egnp.exe\u2028x")).toBe("run\\u202egnp.exe\\u2028x");
    expect(safeText("plain, ünïcödé, 日本")).toBe("plain, ünïcödé, 日本");
  });

  it("keeps newlines and tabs of a multi-line message when asked", () => {
    expect(safeText(`one\n\ttwo${ESC}[H`, { lines: true })).toBe("one\n\ttwo\\e[H");
  });
});

describe("safeOutput and TerminalFilter", () => {
  it("pass colours, tabs and line breaks; show other sequences", () => {
    expect(safeOutput(`${ESC}[1;31mred${ESC}[0m\t${ESC}[3A${ESC}]8;;http://x${ESC}\\\r\n`)).toBe(
      `${ESC}[1;31mred${ESC}[0m\t\\e[3A\\e]8;;http://x\\e\\\r\n`,
    );
  });

  it("holds a sequence cut between chunks until it knows what it is", () => {
    const filter = new TerminalFilter();
    expect(filter.push(`a${ESC}`)).toBe("a");
    expect(filter.push("[3")).toBe("");
    expect(filter.push("1mred")).toBe(`${ESC}[31mred`);
    expect(filter.push(`${ESC}[`)).toBe("");
    expect(filter.push("2J")).toBe("\\e[2J");
    expect(filter.push(`x${ESC}`) + filter.end()).toBe("x\\e");
  });
});
