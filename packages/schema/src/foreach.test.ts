import { describe, expect, it } from "vitest";
import { instanceIds, parseForeachFile, parseForeachText, parseInstanceId } from "./foreach.js";
import { captureFileNames, parseCaptureFileName } from "./layout.js";

describe("parseForeachText", () => {
  it("reads words, ranges and stepped ranges, in the grammar of sbatch --array", () => {
    expect(parseForeachText("coarse, medium,fine")).toEqual({
      ok: true,
      items: ["coarse", "medium", "fine"],
    });
    expect(parseForeachText("1-3,7,0-20:10")).toEqual({
      ok: true,
      items: ["1", "2", "3", "7", "0", "10", "20"],
    });
    expect(parseForeachText("5-5")).toEqual({ ok: true, items: ["5"] });
  });

  it("refuses what would surprise: a range counting down, an empty entry, a step of 0, too many", () => {
    expect(parseForeachText("2024-01")).toMatchObject({ ok: false });
    expect(parseForeachText("2024-01").ok || parseForeachText("2024-01")).toMatchObject({
      message: expect.stringContaining('use a list: ["2024-01"]'),
    });
    expect(parseForeachText("a,")).toMatchObject({ ok: false });
    expect(parseForeachText("1-9:0")).toMatchObject({ ok: false });
    expect(parseForeachText("1-100000")).toMatchObject({ ok: true });
    expect(parseForeachText("1-100000,x")).toMatchObject({
      ok: false,
      message: "100,001 items: at most 100,000 are allowed in one loop",
    });
  });
});

describe("parseForeachFile", () => {
  it("takes one item per line, trimmed; skips blank lines and comments; tolerates CRLF", () => {
    expect(parseForeachFile("# header\r\n a \r\n\r\nb c\n#x\nd")).toEqual(["a", "b c", "d"]);
    expect(parseForeachFile("")).toEqual([]);
  });
});

describe("instanceIds", () => {
  it("names instances by item when every item can stand in a file name, else by index", () => {
    expect(instanceIds("mesh", ["coarse", "v1.2", "a+b"])).toEqual([
      "mesh[coarse]",
      "mesh[v1.2]",
      "mesh[a+b]",
    ]);
    expect(instanceIds("mesh", ["ok", "not ok"])).toEqual(["mesh[0]", "mesh[1]"]);
    expect(instanceIds("mesh", ["a/b", ".."])).toEqual(["mesh[0]", "mesh[1]"]);
    // Two instances must never share an id.
    expect(instanceIds("mesh", ["a", "a"])).toEqual(["mesh[0]", "mesh[1]"]);
    expect(instanceIds("mesh", ["x".repeat(65)])).toEqual(["mesh[0]"]);
  });

  it("makes ids that are capture file names, and read back", () => {
    for (const id of instanceIds("mesh", ["coarse", "1", "v2.1"])) {
      const { out } = captureFileNames(7, id);
      expect(parseCaptureFileName(out)).toEqual({ seq: 7, stepId: id, stream: "out" });
      expect(parseInstanceId(id)?.loop).toBe("mesh");
    }
    expect(parseInstanceId("mesh")).toBeUndefined();
    expect(() => captureFileNames(1, "mesh[a/b]")).toThrow(/invalid step id/);
  });
});
