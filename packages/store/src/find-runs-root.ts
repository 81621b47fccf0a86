// Where the runs are, in one call: an explicit choice (a --runs-dir flag), then
// $RUNYARD_RUNS_DIR, then runsDir in the user's config file, then $RUNYARD_HOME/runs, then
// ~/.runyard/runs. The CLI, the GUI and integrators all get the same answer from here. The
// config file is read only when the choice depends on it.
import { resolve } from "node:path";
import { ENV, type RunsRootSource, RunyardError, resolveRunsRoot } from "@runyard/schema";
import { readUserConfig } from "./read-user-config.js";

export interface FindRunsRootOptions {
  /** Environment to read RUNYARD_RUNS_DIR, RUNYARD_HOME and RUNYARD_CONFIG from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Relative paths resolve against this (default process.cwd()). */
  cwd?: string;
  /** An explicit runs root, such as a --runs-dir flag; wins over everything. Must not be empty. */
  flag?: string | undefined;
  /** The user's home directory (default os.homedir()). */
  homeDirectory?: string;
}

export type RunsRootOrigin = RunsRootSource | "flag";

export interface FoundRunsRoot {
  /** Absolute path of the runs root (it may not exist yet). */
  path: string;
  /** Which setting chose it. */
  source: RunsRootOrigin;
  /** The config file that was read, when one was read and exists. */
  configFile: string | null;
}

/**
 * Finds the runs root. Throws a RunyardError E_CONFIG_READ naming the config file when it
 * cannot be read (a directory, no permission), ValidationError (E_CONFIG_INVALID) when it is not valid, and RunyardError
 * (E_RUNS_ROOT_EMPTY) for an empty `flag`.
 */
export async function findRunsRoot(options: FindRunsRootOptions = {}): Promise<FoundRunsRoot> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  if (options.flag !== undefined) {
    if (options.flag.trim() === "") {
      throw new RunyardError("E_RUNS_ROOT_EMPTY", "the runs root is an empty path", {
        hint: "give a directory, or leave the option out to use the default",
      });
    }
    return { path: resolve(cwd, options.flag), source: "flag", configFile: null };
  }
  const location = {
    env,
    ...(options.homeDirectory === undefined ? {} : { homeDirectory: options.homeDirectory }),
  };
  if (env[ENV.runsDir]) return { ...resolveRunsRoot({ ...location, cwd }), configFile: null };
  const config = await readUserConfig(location);
  const found = resolveRunsRoot({ ...location, cwd, configRunsDir: config.config.runsDir });
  return { ...found, configFile: config.exists ? config.path : null };
}
