// Parsing a config file written by a user (the user's config, a project's .runyard.yaml): YAML,
// then a strict schema, with line and column in every problem. A module of its own so that the
// YAML parser loads only when such a file exists.
import type { z } from "zod";
import type { ValidationProblem } from "./errors.js";
import { YAML_VOCABULARY } from "./issue-words.js";
import { describeIssues } from "./issues.js";
import { decodeUtf8Text } from "./utf8-text.js";
import { formatPath } from "./validate.js";
import { parseYamlDocument, positionAt } from "./yaml-document.js";

export type ConfigParseResult<T> =
  | { ok: true; config: T }
  | { ok: false; problems: ValidationProblem[] };

/**
 * Validates config text (or bytes, which must be UTF-8) against `schema`. An empty file, or
 * one of comments only, is `{}`: a config that sets nothing.
 */
export function parseConfigDocument<S extends z.ZodType>(
  schema: S,
  source: Uint8Array | string,
): ConfigParseResult<z.output<S>> {
  const decoded = decodeUtf8Text(source);
  if (!decoded.ok) return { ok: false, problems: [decoded.problem] };
  const text = decoded.text;
  const parsed = text.trim() === "" ? undefined : parseYamlDocument(text, () => "key");
  if (parsed !== undefined && !parsed.ok) return parsed;
  const value = parsed?.source.value ?? {};
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, config: result.data };
  const problems = describeIssues(schema, result.error.issues, value, {
    vocabulary: YAML_VOCABULARY,
  }).map((problem) => ({
    path: formatPath(problem.path),
    message: problem.message,
    ...(parsed === undefined ? {} : positionAt(parsed.source, problem.path, problem.anchor)),
  }));
  return { ok: false, problems };
}
