// `runyard graph WORKFLOW`: the DAG as Mermaid or DOT (its help and flags:
// command-table/graph.ts). Node ids are the step ids, which the format restricts to letters,
// digits, "_", "." and "-": quoted in DOT, and given as safe ids in Mermaid; names are labels,
// escaped for each language.
import { resolve } from "node:path";
import { loadWorkflowFile, type ResolvedStep, type ResolvedWorkflow } from "@runyard/schema";
import type { CommandRun } from "../command.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";

const FORMATS = ["mermaid", "dot"] as const;
type Format = (typeof FORMATS)[number];

/** A Mermaid node id for a step id: `.` and `-` are not safe in every renderer. */
function mermaidId(id: string, position: number): string {
  return `s${position}_${id.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/** A label in Mermaid's quoted form: `"` and the characters Mermaid reads as markup escaped. */
function mermaidLabel(text: string): string {
  const escaped = text.replace(/[#"<>&]/g, (c) => `#${c.charCodeAt(0)};`).replace(/\s+/g, " ");
  return `"${escaped}"`;
}

function dotString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\s+/g, " ")}"`;
}

/** A node's label: its name, and for a foreach step what it runs over. */
function nodeLabel(step: ResolvedStep): string {
  const loop = step.foreach;
  if (loop === undefined) return step.name;
  const over =
    loop.kind === "items"
      ? `${loop.items.length} ${loop.items.length === 1 ? "item" : "items"}`
      : `each line of ${loop.written}`;
  return `${step.name} (foreach: ${over})`;
}

/** What an edge into `step` says: nothing for the default condition. */
function edgeLabel(step: ResolvedStep): string | undefined {
  return step.condition === "success" ? undefined : step.condition;
}

export function mermaid(workflow: ResolvedWorkflow): string {
  const ids = new Map(
    workflow.steps.map((step, position) => [step.id, mermaidId(step.id, position)]),
  );
  const lines = [`%% ${workflow.name.replace(/\s+/g, " ")}`, "flowchart TD"];
  // A foreach step is drawn as a "subroutine" box: one node standing for many.
  for (const step of workflow.steps)
    lines.push(
      step.foreach === undefined
        ? `  ${ids.get(step.id)}[${mermaidLabel(nodeLabel(step))}]`
        : `  ${ids.get(step.id)}[[${mermaidLabel(nodeLabel(step))}]]`,
    );
  for (const step of workflow.steps) {
    const label = edgeLabel(step);
    for (const need of step.needs) {
      const arrow = label === "failure" ? `-. failure .->` : label ? `-- ${label} -->` : "-->";
      lines.push(`  ${ids.get(need)} ${arrow} ${ids.get(step.id)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export function dot(workflow: ResolvedWorkflow): string {
  const lines = [`digraph ${dotString(workflow.name)} {`, "  rankdir=TB;", "  node [shape=box];"];
  for (const step of workflow.steps) {
    const shape = step.foreach === undefined ? "" : ", shape=box3d";
    lines.push(`  ${dotString(step.id)} [label=${dotString(nodeLabel(step))}${shape}];`);
  }
  for (const step of workflow.steps) {
    const label = edgeLabel(step);
    const attributes =
      label === "failure"
        ? ' [style=dashed, label="failure"]'
        : label
          ? ` [label=${dotString(label)}]`
          : "";
    for (const need of step.needs) {
      lines.push(`  ${dotString(need)} -> ${dotString(step.id)}${attributes};`);
    }
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** `runyard graph`, once its flags are parsed. */
export const run: CommandRun = async (values, positionals, context) => {
  const [file, ...extra] = positionals;
  const usage = "runyard graph <workflow.yaml> [--format mermaid|dot]";
  if (file === undefined) throw new UsageError("missing the workflow file", `usage: ${usage}`);
  refuseExtraArguments(extra, usage);
  const format = (values.format ?? "mermaid") as string;
  if (!FORMATS.includes(format as Format)) {
    throw new UsageError(`--format expects mermaid or dot, got "${format}"`, `usage: ${usage}`);
  }
  // Throws the loader's own errors: every problem with its line and column, exit 3.
  const workflow = await loadWorkflowFile(resolve(context.cwd, file));
  context.output.out(format === "dot" ? dot(workflow) : mermaid(workflow));
  return EXIT.ok;
};
