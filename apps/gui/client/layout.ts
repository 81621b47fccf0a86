// Lays a workflow's DAG out with dagre (@dagrejs/dagre): ranks left to right, crossings
// reduced, edges routed. A library, not hand placement: it is small (no dependencies, ~90 KB),
// synchronous, and lays out 1,000 steps in well under a second (bench/gui measures it).
import dagre from "@dagrejs/dagre";

export const NODE_WIDTH = 168;
export const NODE_HEIGHT = 40;

export interface LaidOutNode {
  id: string;
  x: number;
  y: number;
}

export interface LaidOutEdge {
  from: string;
  to: string;
  /** An SVG path through dagre's points. */
  path: string;
}

export interface Layout {
  nodes: Map<string, LaidOutNode>;
  edges: LaidOutEdge[];
  width: number;
  height: number;
}

export function layoutGraph(steps: readonly { id: string; needs: readonly string[] }[]): Layout {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({
    rankdir: "LR",
    nodesep: 14,
    ranksep: 48,
    marginx: 16,
    marginy: 16,
    // network-simplex gives the tidiest ranks; past a few hundred steps tight-tree is about
    // twice as fast and nearly as tidy.
    ranker: steps.length > 300 ? "tight-tree" : "network-simplex",
  });
  graph.setDefaultEdgeLabel(() => ({}));
  const known = new Set(steps.map((step) => step.id));
  for (const step of steps) graph.setNode(step.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const step of steps)
    for (const need of step.needs) if (known.has(need)) graph.setEdge(need, step.id);
  dagre.layout(graph);
  const nodes = new Map<string, LaidOutNode>();
  for (const id of graph.nodes()) {
    const node = graph.node(id);
    nodes.set(id, { id, x: node.x, y: node.y });
  }
  const edges: LaidOutEdge[] = graph.edges().map((edge) => {
    const points = graph.edge(edge).points ?? [];
    const path = points
      .map(
        (point: { x: number; y: number }, index: number) =>
          `${index === 0 ? "M" : "L"}${point.x.toFixed(1)},${point.y.toFixed(1)}`,
      )
      .join(" ");
    return { from: edge.v, to: edge.w, path };
  });
  const size = graph.graph();
  return { nodes, edges, width: size.width ?? 0, height: size.height ?? 0 };
}
