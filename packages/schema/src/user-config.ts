// The user's config file (`~/.runyard/config.yaml`, or `$RUNYARD_HOME/config.yaml`, or
// `$RUNYARD_CONFIG`, which must exist): settings that outlive one run. It chooses the runs
// root and the retention policy of `runyard gc`; it is strict, so a misspelt key is an error
// with a suggestion instead of a silently ignored line.
import { join, resolve } from "node:path";
import { RunyardError, ValidationError } from "./errors.js";
import { readInputFile } from "./input-file.js";
import { ENV, runyardHome } from "./layout.js";
import type { UserConfig } from "./user-config-schema.js";

export interface UserConfigLocation {
  env?: Readonly<Record<string, string | undefined>>;
  homeDirectory?: string;
}

/** `$RUNYARD_CONFIG`, else `$RUNYARD_HOME/config.yaml`, else `~/.runyard/config.yaml`. */
export function userConfigPath(options: UserConfigLocation = {}): string {
  const explicit = (options.env ?? process.env)[ENV.config];
  if (explicit) return resolve(explicit);
  return join(runyardHome(options), "config.yaml");
}

/**
 * The config file cannot be read: a directory, no permission, not a regular file; or
 * `$RUNYARD_CONFIG` names a file that does not exist.
 */
export class UserConfigReadError extends RunyardError {
  readonly file: string;

  constructor(file: string, reason: string, options?: { cause?: unknown; hint?: string }) {
    super("E_CONFIG_READ", `cannot read config ${file}: ${reason}`, {
      cause: options?.cause,
      hint: options?.hint ?? `fix or remove ${file}, or point ${ENV.config} at another file`,
    });
    this.file = file;
  }
}

/**
 * Reads the user's config; a missing file at the default location is an empty config, but
 * a `$RUNYARD_CONFIG` that names no file is a mistake (a typo would otherwise go unnoticed
 * while every setting in the intended file is ignored). Those, and a config that cannot be
 * read (or is not a regular file of at most MAX_INPUT_FILE_BYTES), throw UserConfigReadError
 * (E_CONFIG_READ); a broken one ValidationError (E_CONFIG_INVALID), naming line and column.
 */
export async function loadUserConfig(
  options: UserConfigLocation = {},
): Promise<{ path: string; exists: boolean; config: UserConfig }> {
  const path = userConfigPath(options);
  const read = await readInputFile(path);
  if (!read.ok) {
    const explicit = Boolean((options.env ?? process.env)[ENV.config]);
    if (read.code === "ENOENT" && !explicit) return { path, exists: false, config: {} };
    throw new UserConfigReadError(path, read.reason, {
      cause: read.cause,
      ...(read.code === "ENOENT"
        ? { hint: `create ${path}, or unset ${ENV.config} to use the default config` }
        : {}),
    });
  }
  // The YAML parser is loaded only for a config that exists: most commands run without one,
  // and `runyard ps` need not pay for loading it (docs/performance.md).
  const { parseUserConfig } = await import("./user-config-parse.js");
  const result = parseUserConfig(read.bytes, path, options.homeDirectory);
  if (!result.ok) throw new ValidationError(path, result.problems, "E_CONFIG_INVALID");
  return { path, exists: true, config: result.config };
}
