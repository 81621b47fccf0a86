// `runyard run --dry-run`: everything `runyard run` checks before it starts a run — the
// workflow, what this executor can run, every param's value — and then, instead of a run, the
// plan (planWorkflow): the params and where each value came from, the steps in the order they
// can start. It makes nothing: no runs root, no run directory, no executor.
import {
  formatDurationSeconds,
  planWorkflow,
  type ResolvedWorkflow,
  type WorkflowPlan,
} from "@runyard/schema";
import type { CommandContext } from "./command.js";
import { EXIT } from "./errors.js";
import type { DryRunJson } from "./json/dry-run.js";
import { type Output, paint, tildify } from "./output.js";
import { loadRunWorkflow, refuseUnrunnable } from "./run-checks.js";
import { hooksForRun } from "./run-hooks.js";
import { checkGivenParams, type GivenParams } from "./run-params.js";
import { safeText } from "./safe-text.js";

export function planJson(plan: WorkflowPlan): DryRunJson {
  return {
    workflowId: plan.workflowId,
    workflowName: plan.workflowName,
    workflowFile: plan.workflowFile,
    params: plan.params.map((param) => ({
      name: param.name,
      type: param.type,
      choices: param.choices ?? null,
      value: param.value ?? null,
      source: param.source ?? null,
    })),
    steps: plan.steps.map((step) => ({
      id: step.id,
      name: step.name,
      stage: step.stage,
      needs: step.needs,
      condition: step.condition,
      timeoutMs: step.timeoutSeconds === undefined ? null : Math.round(step.timeoutSeconds * 1000),
      retries: step.retries,
      retryDelayMs: Math.round(step.retryDelaySeconds * 1000),
      backend: step.backend,
      cwd: step.cwd,
      run: step.run,
      foreach:
        step.foreach === undefined
          ? null
          : {
              parallel: step.foreach.parallel ?? null,
              instances: step.foreach.instances ?? null,
              file: step.foreach.file ?? null,
            },
    })),
  };
}

function sourceText(source: string | undefined, given: GivenParams): string {
  if (source === "flag") return "from -p";
  if (source === "file")
    return `from ${given.file === undefined ? "the params file" : safeText(given.file.name)}`;
  if (source === "run")
    return given.run === undefined ? "from the earlier run" : `from run ${given.run.slice(-8)}`;
  if (source === "default") return "default";
  return "not set (optional)";
}

/** Columns padded to the widest cell of each, for a small table. */
function table(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows.map((row) =>
    row
      .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

/** The plan as people read it; text from the workflow is made safe for the terminal. */
export function planText(plan: WorkflowPlan, output: Output, given: GivenParams): string {
  const lines: string[] = [];
  const steps = plan.steps.length === 1 ? "1 step" : `${plan.steps.length} steps`;
  lines.push(
    `${paint(output, "bold", "dry run")} of ${safeText(plan.workflowName)} (${safeText(tildify(plan.workflowFile))}): ${steps}; nothing was started`,
  );
  if (plan.params.length > 0) {
    lines.push("", "params:");
    const rows = plan.params.map((param) => [
      `  ${param.name}`,
      param.value === undefined ? "-" : safeText(JSON.stringify(param.value)),
      param.type,
      sourceText(param.source, given),
    ]);
    lines.push(...table(rows));
  }
  lines.push("", "steps, in the order they can start:");
  plan.steps.forEach((step, index) => {
    const title = step.name === step.id ? step.id : `${step.id} (${step.name})`;
    lines.push(
      `  ${index + 1}. ${safeText(title)}  ${paint(output, "dim", `stage ${step.stage}`)}`,
    );
    const retries =
      step.retries === 0
        ? "0"
        : step.retryDelaySeconds > 0
          ? `${step.retries}, ${formatDurationSeconds(step.retryDelaySeconds)} apart`
          : String(step.retries);
    const rows = [
      ["needs:", step.needs.length === 0 ? "-" : step.needs.join(", ")],
      ["if:", step.condition],
      [
        "timeout:",
        step.timeoutSeconds === undefined ? "none" : formatDurationSeconds(step.timeoutSeconds),
      ],
      ["retries:", retries],
      ["backend:", step.backend],
      ["cwd:", safeText(tildify(step.cwd))],
    ];
    const loop = step.foreach;
    if (loop !== undefined) {
      const limit = loop.parallel === undefined ? "" : `, ${loop.parallel} at a time`;
      const over =
        loop.instances === undefined
          ? `each line of ${safeText(tildify(loop.file ?? ""))}, read when the step is ready`
          : `${loop.instances.length} ${loop.instances.length === 1 ? "item" : "items"}: ${safeText(
              loop.instances
                .slice(0, 5)
                .map((instance) => instance.id)
                .join(", "),
            )}${loop.instances.length > 5 ? ", …" : ""}`;
      rows.push(["foreach:", `${over}${limit}`]);
    }
    lines.push(...table(rows).map((line) => `       ${line}`));
  });
  return `${lines.join("\n")}\n`;
}

/**
 * The dry run of `file` with the params `given`: prints the plan and returns 0, or throws what
 * `runyard run` would have refused the run for (exit 3 for the workflow, 2 for the params).
 */
export async function dryRun(
  file: string,
  given: GivenParams,
  json: boolean,
  context: CommandContext,
): Promise<number> {
  return printPlan(await loadRunWorkflow(file, context.cwd), file, given, json, context);
}

/**
 * The dry run of `workflow`, loaded already (a rerun's copy), its problems named by `file`:
 * prints the plan and returns 0, or throws what a run would have been refused for.
 */
export async function printPlan(
  workflow: ResolvedWorkflow,
  file: string,
  given: GivenParams,
  json: boolean,
  context: CommandContext,
): Promise<number> {
  refuseUnrunnable(workflow, context.env);
  const values = checkGivenParams(workflow, file, given);
  // The hooks a run would have: a broken config is refused here too, an untrusted one said.
  await hooksForRun(workflow.file, context, false);
  const plan = planWorkflow(workflow, { values, sources: given.sources });
  if (json) context.output.out(`${JSON.stringify(planJson(plan))}\n`);
  else context.output.out(planText(plan, context.output, given));
  return EXIT.ok;
}
