// `runyard gc`: applies the retention policy (the config's `retention:` block, else the seed's
// cleanup policy) to the runs root, and prints each run it removes and the space freed. With
// --dry-run it prints the same plan and removes nothing.
import { RETENTION_OUTCOMES, type RetentionPolicy } from "@runyard/schema";
import {
  applyRetention,
  findRetentionPolicy,
  type MeasuredRemoval,
  planRetention,
  type RetentionDecision,
  type RetentionPlan,
  type RetentionResult,
  readRun,
} from "@runyard/store";
import type { CommandRun } from "../command.js";
import { STATE_STYLE } from "../describe-run.js";
import { EXIT, exitStatusFor, refuseExtraArguments } from "../errors.js";
import type { GcResultJson } from "../json/retention.js";
import { ago, formatBytes, type Output, paint, tildify } from "../output.js";
import { runsRootFor } from "../runs-root.js";
import { safeText } from "../safe-text.js";
import { jobsWords, slurmJobsLeft } from "../slurm-jobs.js";
import { countOf, headerRow, renderTable, shortRunId, type TableRow } from "../table.js";

function policyLine(policy: RetentionPolicy): string {
  const rules = RETENTION_OUTCOMES.map((outcome) => `${outcome} ${policy[outcome].setting}`);
  if (policy.maxTotalSize) rules.push(`at most ${policy.maxTotalSize.setting} in all`);
  return rules.join(", ");
}

function decisionJson(decision: RetentionDecision): GcResultJson["removed"][number] {
  return {
    runId: decision.runId,
    workflowName: decision.workflowName,
    state: decision.state,
    directory: decision.directory,
    bytes: decision.bytes,
    startedAt: decision.startedAt,
    endedAt: decision.endedAt,
    reason: decision.reason,
  };
}

function printRemovals(output: Output, decisions: readonly RetentionDecision[], now: number) {
  const rows: TableRow[] = [
    headerRow(["RUN", "WORKFLOW", "STATE", "ENDED", "SIZE", "WHY"]),
    ...decisions.map((decision) => ({
      cells: [
        shortRunId(decision.runId),
        decision.workflowName ?? "-",
        decision.state,
        decision.endedAt === null ? "-" : ago(decision.endedAt, now),
        formatBytes(decision.bytes),
        decision.reason,
      ],
      styles: [undefined, "bold" as const, STATE_STYLE[decision.state]],
    })),
  ];
  output.out(`${renderTable(output, rows, { alignRight: [4] })}\n`);
}

/**
 * The plan, with the crashed runs whose Slurm jobs still run kept: the jobs write into their
 * directories, and `runyard resume` may take them over. Slurm is asked only when the plan
 * would remove a crashed run.
 */
async function keepRunsWithLiveJobs(
  plan: RetentionPlan,
  env: NodeJS.ProcessEnv,
): Promise<{ plan: RetentionPlan; held: RetentionDecision[]; problem?: string }> {
  const crashed = plan.remove.filter((decision) => decision.state === "crashed");
  if (crashed.length === 0) return { plan, held: [] };
  const views = await Promise.all(
    crashed.map((decision) =>
      readRun(decision.directory, { timeline: "none" }).catch(() => undefined),
    ),
  );
  const left = await slurmJobsLeft(
    views.filter((view) => view !== undefined),
    env,
  );
  const held = plan.remove.filter((decision) => (left.going.get(decision.runId) ?? []).length > 0);
  const problem = left.problem === undefined ? {} : { problem: left.problem };
  if (held.length === 0) return { plan, held: [], ...problem };
  const ids = new Set(held.map((decision) => decision.runId));
  const bytes = held.reduce((sum, decision) => sum + decision.bytes, 0);
  const kept = held.map((decision) => ({
    ...decision,
    reason: `${jobsWords(left.going.get(decision.runId) ?? [])}: kept while they write into it`,
  }));
  return {
    held: kept,
    plan: {
      ...plan,
      remove: plan.remove.filter((decision) => !ids.has(decision.runId)),
      keep: [...kept, ...plan.keep].sort((a, b) =>
        a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0,
      ),
      totals: {
        ...plan.totals,
        freedBytes: plan.totals.freedBytes - bytes,
        keptRuns: plan.totals.keptRuns + held.length,
        keptBytes: plan.totals.keptBytes + bytes,
      },
    },
    ...problem,
  };
}

/** `runyard gc`, once its flags are parsed (its help and flags: command-table/gc.ts). */
export const run: CommandRun = async (values, positionals, context) => {
  refuseExtraArguments(positionals, "runyard gc [options]");
  const runsRoot = await runsRootFor(values, context);
  const { policy, configFile } = await findRetentionPolicy({ env: context.env });
  const { plan, held, problem } = await keepRunsWithLiveJobs(
    await planRetention(runsRoot, policy),
    context.env,
  );
  const dryRun = values["dry-run"] === true;
  const result: RetentionResult = dryRun
    ? { removed: [], finishedRemovals: [], failed: [], freedBytes: plan.totals.freedBytes }
    : await applyRetention(plan);
  const failedIds = new Set(result.failed.map((failure) => failure.runId));
  // What this gc removed: not the runs it failed to, nor those something else removed first.
  const removedIds = new Set(result.removed.map((run) => run.runId));
  const removed = dryRun
    ? plan.remove
    : plan.remove.filter((decision) => removedIds.has(decision.runId));
  const failedDecisions = plan.remove.filter((decision) => failedIds.has(decision.runId));
  const keptBytes = plan.totals.keptBytes + failedDecisions.reduce((sum, d) => sum + d.bytes, 0);
  const { output } = context;

  if (values.json === true) {
    const json: GcResultJson = {
      dryRun,
      runsRoot: plan.runsRoot,
      policy: {
        configFile,
        success: policy.success.setting,
        cancelled: policy.cancelled.setting,
        failed: policy.failed.setting,
        crashed: policy.crashed.setting,
        maxTotalSize: policy.maxTotalSize?.setting ?? null,
      },
      removed: removed.map(decisionJson),
      kept: [...failedDecisions, ...plan.keep]
        .sort((a, b) => (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0))
        .map(decisionJson),
      pendingRemovals: (dryRun ? plan.pendingRemovals : result.finishedRemovals).map((pending) => ({
        name: pending.name,
        runId: pending.runId,
        bytes: pending.bytes,
      })),
      failed: result.failed.map((failure) => ({
        runId: failure.runId,
        directory: failure.directory,
        code: failure.error.code,
        message: failure.error.message,
      })),
      freedBytes: result.freedBytes,
      keptBytes,
      overCap: plan.totals.overCap,
    };
    output.out(`${JSON.stringify(json)}\n`);
  } else {
    const source = configFile === null ? "the default" : `from ${safeText(tildify(configFile))}`;
    output.err(paint(output, "dim", `policy (${source}): ${policyLine(policy)}\n`));
    if (removed.length > 0) {
      output.out(`${dryRun ? "would remove" : "removed"} ${countOf(removed.length, "run")}:\n`);
      printRemovals(output, removed, plan.now);
    }
    const pending = dryRun ? plan.pendingRemovals : result.finishedRemovals;
    const sizeOf = (list: readonly MeasuredRemoval[]) =>
      formatBytes(list.reduce((sum, removal) => sum + removal.bytes, 0));
    const cutShort = pending.filter((removal) => removal.kind === "removal");
    if (cutShort.length > 0) {
      const verb = dryRun ? "would finish" : "finished";
      output.out(
        `${verb} ${countOf(cutShort.length, "removal")} cut short earlier (${sizeOf(cutShort)})\n`,
      );
    }
    const launches = pending.filter((removal) => removal.kind === "launch");
    if (launches.length > 0) {
      const verb = dryRun ? "would remove" : "removed";
      output.out(
        `${verb} ${launches.length} abandoned ${launches.length === 1 ? "launch" : "launches"} (${sizeOf(launches)})\n`,
      );
    }
    const kept = `${countOf(plan.keep.length + failedDecisions.length, "run")} kept (${formatBytes(keptBytes)})`;
    const freed = formatBytes(result.freedBytes);
    if (removed.length === 0 && pending.length === 0) {
      output.out(`nothing to remove in ${safeText(tildify(plan.runsRoot))}; ${kept}\n`);
    } else if (dryRun) {
      output.out(`would free ${freed}; ${kept}; nothing was removed (--dry-run)\n`);
    } else {
      output.out(`freed ${freed}; ${kept}\n`);
    }
  }
  if (plan.totals.overCap && policy.maxTotalSize && values.json !== true) {
    output.err(
      `${paint(output, "yellow", "warning:")} the runs left take ${formatBytes(keptBytes)}, over retention.maxTotalSize: ${policy.maxTotalSize.setting}; the rest are running, unknown or unreadable\n`,
    );
  }
  for (const failure of result.failed) {
    output.err(
      `${paint(output, "red", "error:")} run ${failure.runId} was not removed: ${safeText(failure.error.message)}\n`,
    );
    if (failure.error.hint)
      output.err(`${paint(output, "dim", "hint:")} ${safeText(failure.error.hint)}\n`);
  }
  if (problem !== undefined)
    output.err(`${paint(output, "yellow", "warning:")} ${safeText(problem)}\n`);
  if (values.json !== true)
    for (const decision of held)
      output.err(
        `${paint(output, "yellow", "kept")} crashed run ${shortRunId(decision.runId)}: ${safeText(decision.reason)}\n`,
      );
  const [first] = result.failed;
  return first === undefined ? EXIT.ok : exitStatusFor(first.error);
};
