// The user's config file, read for the settings that need it: the runs root (when nothing
// more explicit chooses it, read-user-config.ts) and the retention policy. Any failure names
// the file.
import {
  DEFAULT_RETENTION_POLICY,
  type RetentionPolicy,
  type UserConfigLocation,
} from "@runyard/schema";
import { readUserConfig } from "./read-user-config.js";

export { readUserConfig };

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
