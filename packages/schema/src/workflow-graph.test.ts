import { describe, expect, it } from "vitest";
import { findCycles } from "./workflow-graph.js";

const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges));

describe("findCycles", () => {
  it("finds nothing in a DAG", () => {
    expect(findCycles(graph({ a: [], b: ["a"], c: ["a", "b"] }), ["a", "b", "c"])).toEqual([]);
  });

  it("names a cycle from its first step in file order", () => {
    expect(findCycles(graph({ b: ["c"], a: ["b"], c: ["a"] }), ["a", "b", "c"])).toEqual([
      ["a", "b", "c", "a"],
    ]);
  });

  it("gives one short cycle per knot of steps that need each other, in file order", () => {
    const edges = graph({
      x: ["y"],
      y: ["x", "z"],
      z: ["x"],
      p: ["q"],
      q: ["p"],
      free: ["x"],
    });
    expect(findCycles(edges, ["p", "q", "free", "x", "y", "z"])).toEqual([
      ["p", "q", "p"],
      ["x", "y", "x"],
    ]);
  });

  it("leaves self-needs to the caller and ignores edges to unknown steps", () => {
    expect(findCycles(graph({ a: ["a", "ghost"] }), ["a"])).toEqual([]);
  });

  it("handles a chain of 50 000 steps closed into a ring (no recursion limit)", () => {
    const ids = Array.from({ length: 50_000 }, (_, index) => `s${index}`);
    const edges = graph(
      Object.fromEntries(ids.map((id, index) => [id, [ids[(index + 1) % ids.length] as string]])),
    );
    const [cycle] = findCycles(edges, ids);
    expect(cycle?.length).toBe(50_001);
    expect(cycle?.[0]).toBe("s0");
  });
});
