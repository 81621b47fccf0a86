// `runyard graph WORKFLOW`: the workflow's DAG as Mermaid (default) or Graphviz DOT, for a
// README, a wiki page or `dot -Tsvg`. Its help and flags only; the code is loaded when the
// command runs (commands/graph.ts).
import type { Command } from "../command.js";

export const graphCommand: Command = {
  name: "graph",
  summary: "Print a workflow's DAG as Mermaid or Graphviz DOT",
  usage: "runyard graph <workflow.yaml> [--format mermaid|dot]",
  help: `Reads and validates the workflow file (as 'runyard validate' does) and prints its steps
and their needs as a graph, without running anything: one node per step (labelled with its
name), one edge from each need to the step that needs it. An edge into a step that runs only
when a need failed ('if: failure') is dashed and marked "failure", into an 'if: always' step
marked "always". A foreach step is one node (a stacked box in DOT, a
subroutine box in Mermaid) labelled with what it runs over.

Options:
      --format <f>     mermaid (default: paste it into Markdown that renders Mermaid) or dot
                       (Graphviz: runyard graph wf.yaml --format dot | dot -Tsvg > wf.svg)

Exit 0 with the graph on stdout, 3 when the workflow is not valid (its problems on stderr).

Examples:
  runyard graph examples/decision.yaml
  runyard graph pipeline.yaml --format dot | dot -Tpng > pipeline.png`,
  options: {
    format: { type: "string" },
  },
  load: async () => (await import("../commands/graph.js")).run,
};
