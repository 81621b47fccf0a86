// A params file (`runyard run --params-file FILE`): a YAML or JSON mapping of param name to
// value, the same values `-p NAME=VALUE` gives, in bulk. Each value keeps where it is written,
// so that a value the workflow refuses is reported at its line and column. Values are taken as
// written (`1.10` stays 1.10), as on the command line: the param's type decides what is right.
import { isAlias, isMap, isScalar, type Node } from "yaml";
import { RunyardError, ValidationError, type ValidationProblem } from "./errors.js";
import { readInputFile } from "./input-file.js";
import { describeFound, YAML_VOCABULARY } from "./issue-words.js";
import { decodeUtf8Text } from "./utf8-text.js";
import { formatPath } from "./validate.js";
import {
  keysAt,
  locate,
  type Position,
  parseYamlDocument,
  positionAt,
  positionOf,
  type YamlSource,
} from "./yaml-document.js";

/** One `name: value` of a params file. */
export interface ParamsFileEntry {
  readonly name: string;
  /** The value as a step would see it: a plain scalar's text as written, else its string. */
  readonly value: string;
  /** Where the name is written (for an unknown name). */
  readonly key: Position;
  /** Where the value is written (for a value the param refuses). */
  readonly at: Position;
}

export type ParamsFileParseResult =
  | { ok: true; entries: ParamsFileEntry[] }
  | { ok: false; problems: ValidationProblem[] };

function scalarNode(source: YamlSource, node: Node | undefined): Node | undefined {
  return isAlias(node) ? (node.resolve(source.document) ?? undefined) : node;
}

/** A value's text: a plain scalar as written (`1.10`, `1e3`, `True`), a quoted one's string. */
function valueText(node: Node): string | undefined {
  if (!isScalar(node)) return undefined;
  const { value } = node;
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
    return undefined;
  }
  if (node.type === "PLAIN" && typeof node.source === "string") return node.source;
  return String(value);
}

/** Parses params-file text (or UTF-8 bytes): its entries in file order, or every problem. */
export function parseParamsFile(source: Uint8Array | string): ParamsFileParseResult {
  const decoded = decodeUtf8Text(source);
  if (!decoded.ok) return { ok: false, problems: [decoded.problem] };
  const text = decoded.text;
  // A file of comments only sets nothing: not an error.
  if (text.trim() === "") return { ok: true, entries: [] };
  const parsed = parseYamlDocument(text, (path) => (path.length === 0 ? "param" : "key"));
  if (!parsed.ok) return parsed;
  const yaml = parsed.source;
  const problems: ValidationProblem[] = [...parsed.problems];
  if (yaml.value === null || yaml.value === undefined) return { ok: true, entries: [] };
  const root = scalarNode(yaml, locate(yaml, []).value);
  if (!isMap(root)) {
    return {
      ok: false,
      problems: [
        {
          path: "",
          message: `expected a mapping of param names to values (name: value), found ${describeFound(yaml.value, YAML_VOCABULARY)}`,
          ...positionOf(yaml, root),
        },
      ],
    };
  }
  const entries: ParamsFileEntry[] = [];
  for (const name of keysAt(yaml, [])) {
    const node = scalarNode(yaml, locate(yaml, [name]).value);
    const value = node === undefined ? undefined : valueText(node);
    if (value === undefined) {
      const found =
        node === undefined || (isScalar(node) && node.value === null)
          ? YAML_VOCABULARY.null
          : isMap(node)
            ? YAML_VOCABULARY.object
            : YAML_VOCABULARY.array;
      problems.push({
        path: formatPath([name]),
        message: `expected a string, a number or a boolean, found ${found}`,
        ...positionAt(yaml, [name], "value"),
      });
      continue;
    }
    entries.push({
      name,
      value,
      key: positionAt(yaml, [name], "key"),
      at: positionAt(yaml, [name], "value"),
    });
  }
  if (problems.length > 0) {
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    return { ok: false, problems };
  }
  return { ok: true, entries };
}

/** The params file cannot be read: missing, a directory, not a regular file, too large. */
export class ParamsFileReadError extends RunyardError {
  readonly file: string;

  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super("E_PARAMS_FILE_READ", `cannot read params file ${file}: ${reason}`, {
      ...options,
      hint: "give a YAML or JSON file of name: value lines, e.g. --params-file params.yaml",
    });
    this.file = file;
  }
}

/**
 * Reads and parses a params file; `file` as the user named it, `path` where it is. Throws
 * ParamsFileReadError, or ValidationError (code E_PARAMS) listing every problem with its line.
 */
export async function loadParamsFile(file: string, path: string): Promise<ParamsFileEntry[]> {
  const read = await readInputFile(path);
  if (!read.ok) throw new ParamsFileReadError(file, read.reason, { cause: read.cause });
  const result = parseParamsFile(read.bytes);
  if (!result.ok) throw new ValidationError(file, result.problems, "E_PARAMS");
  return result.entries;
}
