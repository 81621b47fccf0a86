// The DAG layout (dagre): needs point left to right, nothing overlaps, at 1,000 steps too.
import { describe, expect, it } from "vitest";
import { layoutGraph, NODE_HEIGHT, NODE_WIDTH } from "./layout.js";

function overlaps(nodes: { x: number; y: number }[]): number {
  const sorted = [...nodes].sort((a, b) => a.x - b.x);
  let count = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    const a = sorted[i];
    if (!a) continue;
    for (let j = i + 1; j < sorted.length; j += 1) {
      const b = sorted[j];
      if (!b || b.x - a.x >= NODE_WIDTH) break;
      if (Math.abs(b.y - a.y) < NODE_HEIGHT) count += 1;
    }
  }
  return count;
}

describe("layoutGraph", () => {
  it("puts every step right of what it needs, and ignores needs it does not know", () => {
    const layout = layoutGraph([
      { id: "fetch", needs: [] },
      { id: "build", needs: ["fetch"] },
      { id: "lint", needs: ["fetch", "gone"] },
      { id: "ship", needs: ["build", "lint"] },
    ]);
    const x = (id: string) => layout.nodes.get(id)?.x ?? Number.NaN;
    expect(x("fetch")).toBeLessThan(x("build"));
    expect(x("build")).toBeLessThan(x("ship"));
    expect(x("lint")).toBeLessThan(x("ship"));
    expect(layout.edges.map((edge) => `${edge.from}>${edge.to}`).sort()).toEqual([
      "build>ship",
      "fetch>build",
      "fetch>lint",
      "lint>ship",
    ]);
    for (const edge of layout.edges)
      expect(edge.path).toMatch(/^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+$/);
    expect(overlaps([...layout.nodes.values()])).toBe(0);
  });

  it("lays out 1,000 steps with every node placed and none overlapping", () => {
    const steps = Array.from({ length: 1000 }, (_, index) => ({
      id: `s${index}`,
      needs:
        index === 0
          ? []
          : [
              `s${Math.floor((index - 1) / 4)}`,
              ...(index > 20 && index % 9 === 0 ? [`s${index - 17}`] : []),
            ],
    }));
    const layout = layoutGraph(steps);
    expect(layout.nodes.size).toBe(1000);
    expect(overlaps([...layout.nodes.values()])).toBe(0);
    expect(layout.width).toBeGreaterThan(NODE_WIDTH);
    for (const step of steps)
      for (const need of step.needs)
        expect(layout.nodes.get(need)?.x ?? Number.NaN).toBeLessThan(
          layout.nodes.get(step.id)?.x ?? Number.NaN,
        );
  });
});
