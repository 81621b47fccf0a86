// Parsing the user's config file (see user-config.ts): YAML, then the schema, with line and
// column in every problem. A module of its own so that the YAML parser loads only when a
// config file exists.
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { ValidationProblem } from "./errors.js";
import { YAML_VOCABULARY } from "./issue-words.js";
import { describeIssues } from "./issues.js";
import { type UserConfig, UserConfigSchema } from "./user-config-schema.js";
import { decodeUtf8Text } from "./utf8-text.js";
import { formatPath } from "./validate.js";
import { parseYamlDocument, positionAt } from "./yaml-document.js";

export type UserConfigParseResult =
  | { ok: true; config: UserConfig }
  | { ok: false; problems: ValidationProblem[] };

/**
 * Validates config text (or bytes, which must be UTF-8); `runsDir` comes back absolute (`~/`
 * expanded, relative to `file`).
 */
export function parseUserConfig(
  source: Uint8Array | string,
  file: string,
  homeDirectory: string = homedir(),
): UserConfigParseResult {
  let text: string;
  if (typeof source === "string") text = source;
  else {
    const decoded = decodeUtf8Text(source);
    if (!decoded.ok) return { ok: false, problems: [decoded.problem] };
    text = decoded.text;
  }
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
