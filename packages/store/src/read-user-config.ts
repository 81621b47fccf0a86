// The user's config file as a whole, any failure naming the file. Apart from the retention
// policy (load-user-config.ts), so that finding the runs root loads no validator until a
// config file is there to check (the CLI finds it before it loads its modules: early-run.ts).
import {
  ENV,
  loadUserConfig,
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
