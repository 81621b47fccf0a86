// The runs root a command works on: --runs-dir, else what the store's findRunsRoot says
// ($RUNYARD_RUNS_DIR, the config's runsDir, $RUNYARD_HOME/runs, ~/.runyard/runs).
import { findRunsRoot, type ResolvedRun, resolveRunReference } from "@runyard/store";
import type { CommandContext } from "./command.js";
import { refuseExtraArguments, UsageError } from "./errors.js";

export async function runsRootFor(
  values: Record<string, unknown>,
  context: Pick<CommandContext, "env" | "cwd">,
): Promise<string> {
  const flag = values["runs-dir"];
  if (typeof flag === "string" && flag.trim() === "") {
    // An empty path would resolve to the working directory: never what was meant.
    throw new UsageError(
      "--runs-dir needs a directory, got an empty value",
      "give a directory, or leave --runs-dir out to use the default",
    );
  }
  const found = await findRunsRoot({
    env: context.env,
    cwd: context.cwd,
    ...(typeof flag === "string" ? { flag } : {}),
  });
  return found.path;
}

/**
 * The run a command names — `reference`, its first positional: a run id, its last characters
 * or `latest` — under the runs root; refuses a missing one and any `extra` arguments.
 */
export async function runArgument(
  reference: string | undefined,
  extra: readonly string[],
  usage: string,
  values: Record<string, unknown>,
  context: Pick<CommandContext, "env" | "cwd">,
): Promise<ResolvedRun & { runsRoot: string }> {
  if (reference === undefined) throw new UsageError("missing the run", `usage: ${usage}`);
  refuseExtraArguments(extra, usage);
  const runsRoot = await runsRootFor(values, context);
  return { ...(await resolveRunReference(runsRoot, reference)), runsRoot };
}
