import { describe, expect, it } from "vitest";
import { parseParamsFile } from "./params-file.js";

describe("params files", () => {
  it("give each value as written, with where its name and value are", () => {
    const result = parseParamsFile(
      "samples: 1e3\nversion: 1.10\nflag: True\nlabel: 'a b'\nnote: |\n  two\n  lines\nref: &x 5\nalias: *x\n",
    );
    expect(result.ok && result.entries.map((entry) => [entry.name, entry.value])).toEqual([
      ["samples", "1e3"],
      ["version", "1.10"],
      ["flag", "True"],
      ["label", "a b"],
      ["note", "two\nlines\n"],
      ["ref", "5"],
      ["alias", "5"],
    ]);
    expect(result.ok && result.entries[1]).toMatchObject({
      key: { line: 2, column: 1 },
      at: { line: 2, column: 10 },
    });
  });

  it("read JSON, and nothing from an empty file or one of comments", () => {
    expect(parseParamsFile('{"n": 3, "s": "x", "b": false}')).toMatchObject({
      ok: true,
      entries: [
        { name: "n", value: "3" },
        { name: "s", value: "x" },
        { name: "b", value: "false" },
      ],
    });
    expect(parseParamsFile("")).toEqual({ ok: true, entries: [] });
    expect(parseParamsFile("# none\n")).toEqual({ ok: true, entries: [] });
  });

  it("report every value that is not a plain one, and a file that is not a mapping", () => {
    const result = parseParamsFile("a: [1]\nb: {c: 1}\nc:\nd: ok\n");
    expect(
      result.ok ? [] : result.problems.map((problem) => [problem.line, problem.message]),
    ).toEqual([
      [1, "expected a string, a number or a boolean, found a list"],
      [2, "expected a string, a number or a boolean, found a mapping"],
      [3, "expected a string, a number or a boolean, found an empty value"],
    ]);
    expect(parseParamsFile("just text")).toMatchObject({
      ok: false,
      problems: [
        { message: 'expected a mapping of param names to values (name: value), found "just text"' },
      ],
    });
  });
});
