// Resolves what a user types for a run — a full id, a unique prefix of one (as git does with
// commit hashes), a unique suffix, or `latest` — to a run directory under the runs root.
// Suffixes matter because run ids are UUIDv7: their first 12 hex digits are the start time,
// so runs started close together share long prefixes, while the last digits are random.
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { isRunId, loadUserConfig, RunyardError, resolveRunsRoot } from "@runyard/schema";
import type { CommandContext } from "./command.js";
import { UsageError } from "./errors.js";

/** The runs root: --runs-dir, then $RUNYARD_RUNS_DIR, then the config's runsDir, then the defaults. */
export async function runsRootFor(
  values: Record<string, unknown>,
  context: CommandContext,
): Promise<string> {
  const flag = values["runs-dir"];
  if (typeof flag === "string") return resolve(context.cwd, flag);
  const { config } = await loadUserConfig({ env: context.env });
  return resolveRunsRoot({ env: context.env, cwd: context.cwd, configRunsDir: config.runsDir })
    .path;
}

export async function resolveRunReference(
  runsRoot: string,
  reference: string,
): Promise<{ runId: string; directory: string }> {
  let ids: string[];
  try {
    ids = (await readdir(runsRoot)).filter(isRunId).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    ids = [];
  }
  if (reference === "latest" || reference === "last") {
    const newest = ids.at(-1);
    if (!newest)
      throw new RunyardError("E_RUN_NOT_FOUND", `no runs in ${runsRoot}`, {
        hint: "start one with: runyard run <workflow.yaml>",
      });
    return { runId: newest, directory: join(runsRoot, newest) };
  }
  const prefix = reference.toLowerCase();
  if (!/^[0-9a-f-]{4,36}$/.test(prefix)) {
    throw new UsageError(
      `not a run id: "${reference}"`,
      "give a run id, a unique prefix or suffix of it (4 characters at least), or 'latest'",
    );
  }
  const matches = ids.filter((id) => id.startsWith(prefix) || id.endsWith(prefix));
  if (matches.length === 1 && matches[0])
    return { runId: matches[0], directory: join(runsRoot, matches[0]) };
  if (matches.length === 0) {
    throw new RunyardError("E_RUN_NOT_FOUND", `no run ${reference} in ${runsRoot}`, {
      hint: "list runs with: runyard ps",
    });
  }
  throw new UsageError(
    `"${reference}" matches several runs: ${matches.slice(0, 5).join(", ")}${matches.length > 5 ? ", …" : ""}`,
    "type more characters of the id (its last characters are the random part)",
  );
}
