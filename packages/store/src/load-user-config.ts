// The user's config file, read for the settings that need it: the runs root (when nothing
// more explicit chooses it) and the retention policy. Any failure names the file.
import {
  DEFAULT_RETENTION_POLICY,
  ENV,
  loadUserConfig,
  type RetentionPolicy,
  RunyardError,
  type UserConfig,
  type UserConfigLocation,
  userConfigPath,
} from "@runyard/schema";
import { explainSystemError } from "./system-errors.js";

/**
 * loadUserConfig, with a failure that did not come as a RunyardError (a system error from
 * an unexpected place) turned into E_CONFIG_READ naming the file all the same.
 */
export async function readUserConfig(
  location: UserConfigLocation,
): Promise<{ path: string; exists: boolean; config: UserConfig }> {
  try {
    return await loadUserConfig(location);
  } catch (error) {
    if (error instanceof RunyardError) throw error;
    const file = userConfigPath(location);
    const reason = explainSystemError(error)?.reason ?? String(error);
    throw new RunyardError("E_CONFIG_READ", `cannot read config ${file}: ${reason}`, {
      cause: error,
      hint: `fix or remove ${file}, or point ${ENV.config} at another file`,
    });
  }
}

export interface FoundRetentionPolicy {
  policy: RetentionPolicy;
  /** The config file whose `retention:` block set it; null for the default policy. */
  configFile: string | null;
}

/**
 * The retention policy of the user's config (its `retention:` block; rules it leaves out take
 * the default), else DEFAULT_RETENTION_POLICY. Throws as readUserConfig does.
 */
export async function findRetentionPolicy(
  location: UserConfigLocation = {},
): Promise<FoundRetentionPolicy> {
  const { path, config } = await readUserConfig(location);
  if (config.retention === undefined) return { policy: DEFAULT_RETENTION_POLICY, configFile: null };
  return { policy: config.retention, configFile: path };
}
