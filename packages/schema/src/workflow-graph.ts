// The dependency graph of a workflow's steps: strongly connected components (Tarjan) and, for
// each knot of mutually dependent steps, one short cycle to show the user.

/** Edges from a step to the steps it needs, in the order they are listed. */
export type NeedsGraph = ReadonlyMap<string, readonly string[]>;

function stronglyConnected(graph: NeedsGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  // Tarjan's algorithm with an explicit call stack: generated workflows can chain tens of
  // thousands of steps, deeper than JavaScript recursion goes.
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const frames: Array<{ node: string; next: number }> = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter);
    counter++;
    stack.push(root);
    onStack.add(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1] as { node: string; next: number };
      const needs = graph.get(frame.node) ?? [];
      if (frame.next < needs.length) {
        const next = needs[frame.next] as string;
        frame.next++;
        if (!graph.has(next)) continue;
        if (!index.has(next)) {
          index.set(next, counter);
          low.set(next, counter);
          counter++;
          stack.push(next);
          onStack.add(next);
          frames.push({ node: next, next: 0 });
        } else if (onStack.has(next)) {
          low.set(frame.node, Math.min(low.get(frame.node) ?? 0, index.get(next) ?? 0));
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent !== undefined) {
        low.set(parent.node, Math.min(low.get(parent.node) ?? 0, low.get(frame.node) ?? 0));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        for (;;) {
          const member = stack.pop();
          if (member === undefined) break;
          onStack.delete(member);
          component.push(member);
          if (member === frame.node) break;
        }
        components.push(component);
      }
    }
  }
  return components;
}

/** The shortest cycle through `start` that stays inside `members`, as `[start, …, start]`. */
function shortestCycle(graph: NeedsGraph, start: string, members: ReadonlySet<string>): string[] {
  const parent = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] as string;
    for (const next of graph.get(node) ?? []) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [node];
        for (let step = parent.get(node); step !== undefined; step = parent.get(step)) {
          path.unshift(step);
        }
        return [...path, start];
      }
      if (!parent.has(next) && next !== start) {
        parent.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

/**
 * One cycle per group of steps that need each other, each starting at the group's step
 * that comes first in `order`, listed in that order. Steps that need themselves are left to
 * the caller, which reports them more plainly.
 */
export function findCycles(graph: NeedsGraph, order: readonly string[]): string[][] {
  const rank = new Map(order.map((id, position) => [id, position]));
  const byRank = (a: string, b: string) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0);
  const withoutSelfLoops = new Map(
    [...graph].map(([node, needs]) => [node, needs.filter((need) => need !== node)]),
  );
  return stronglyConnected(withoutSelfLoops)
    .filter((component) => component.length > 1)
    .map((component) => {
      const start = [...component].sort(byRank)[0] as string;
      return shortestCycle(withoutSelfLoops, start, new Set(component));
    })
    .sort((a, b) => byRank(a[0] as string, b[0] as string));
}
