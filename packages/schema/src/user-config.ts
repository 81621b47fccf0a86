// The user's config file (`~/.runyard/config.yaml`, or `$RUNYARD_HOME/config.yaml`, or
// `$RUNYARD_CONFIG`): settings that outlive one run. Today it chooses the runs root; it is
// strict, so a misspelt key is an error with a suggestion instead of a silently ignored line.
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { ValidationError, type ValidationProblem } from "./errors.js";
import { YAML_VOCABULARY } from "./issue-words.js";
import { describeIssues } from "./issues.js";
import { ENV } from "./layout.js";
import { formatPath } from "./validate.js";
import { parseYamlDocument, positionAt } from "./yaml-document.js";

export const UserConfigSchema = z
  .object({
    runsDir: z
      .string()
      .min(1)
      .optional()
      .describe("Where run directories go; relative to the config file's directory, ~ expands"),
  })
  .strict();
export type UserConfig = z.infer<typeof UserConfigSchema>;

export interface UserConfigLocation {
  env?: Readonly<Record<string, string | undefined>>;
  homeDirectory?: string;
}

/** `$RUNYARD_CONFIG`, else `$RUNYARD_HOME/config.yaml`, else `~/.runyard/config.yaml`. */
export function userConfigPath(options: UserConfigLocation = {}): string {
  const env = options.env ?? process.env;
  const home = options.homeDirectory ?? homedir();
  const explicit = env[ENV.config];
  if (explicit) return resolve(explicit);
  return join(resolve(env[ENV.home] || join(home, ".runyard")), "config.yaml");
}

export type UserConfigParseResult =
  | { ok: true; config: UserConfig }
  | { ok: false; problems: ValidationProblem[] };

/** Validates config text; `runsDir` comes back absolute (`~/` expanded, relative to `file`). */
export function parseUserConfig(
  text: string,
  file: string,
  homeDirectory: string = homedir(),
): UserConfigParseResult {
  if (text.trim() === "") return { ok: true, config: {} };
  const parsed = parseYamlDocument(text, () => "key");
  if (!parsed.ok) return parsed;
  // A file of comments only is an empty config, not an error.
  const value = parsed.source.value ?? {};
  const result = UserConfigSchema.safeParse(value);
  if (!result.success) {
    const problems = describeIssues(UserConfigSchema, result.error.issues, value, {
      vocabulary: YAML_VOCABULARY,
    }).map((problem) => ({
      path: formatPath(problem.path),
      message: problem.message,
      ...positionAt(parsed.source, problem.path, problem.anchor),
    }));
    return { ok: false, problems };
  }
  const config = result.data;
  if (config.runsDir !== undefined) {
    const expanded =
      config.runsDir === "~" || config.runsDir.startsWith("~/")
        ? join(homeDirectory, config.runsDir.slice(1))
        : config.runsDir;
    config.runsDir = resolve(dirname(file), expanded);
  }
  return { ok: true, config };
}

/** Reads the user's config; a missing file is an empty config, a broken one an error. */
export async function loadUserConfig(
  options: UserConfigLocation = {},
): Promise<{ path: string; exists: boolean; config: UserConfig }> {
  const path = userConfigPath(options);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      return { path, exists: false, config: {} };
    throw error;
  }
  const result = parseUserConfig(text, path, options.homeDirectory);
  if (!result.ok) throw new ValidationError(path, result.problems, "E_CONFIG_INVALID");
  return { path, exists: true, config: result.config };
}
