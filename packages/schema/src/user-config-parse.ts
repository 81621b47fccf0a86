// Parsing the user's config file (see user-config.ts): YAML, then the schema, with line and
// column in every problem (config-parse.ts). A module of its own so that the YAML parser loads
// only when a config file exists.
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { type ConfigParseResult, parseConfigDocument } from "./config-parse.js";
import { type UserConfig, UserConfigSchema } from "./user-config-schema.js";

export type UserConfigParseResult = ConfigParseResult<UserConfig>;

/**
 * Validates config text (or bytes, which must be UTF-8); `runsDir` comes back absolute (`~/`
 * expanded, relative to `file`).
 */
export function parseUserConfig(
  source: Uint8Array | string,
  file: string,
  homeDirectory: string = homedir(),
): UserConfigParseResult {
  const result = parseConfigDocument(UserConfigSchema, source);
  if (!result.ok) return result;
  const config = result.config;
  if (config.runsDir !== undefined) {
    const expanded =
      config.runsDir === "~" || config.runsDir.startsWith("~/")
        ? join(homeDirectory, config.runsDir.slice(1))
        : config.runsDir;
    config.runsDir = resolve(dirname(file), expanded);
  }
  return { ok: true, config };
}
