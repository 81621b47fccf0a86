// YAML text → a plain value plus the syntax tree it came from, so every later problem can be
// given the line and column of the key or value it is about. Syntax errors, duplicate keys
// and broken aliases are found here, before the schema sees the value.
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  type YAMLError,
  type YAMLMap,
} from "yaml";
import type { ValidationProblem } from "./errors.js";
import { formatPath } from "./validate.js";

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A problem that always knows where it is. */
export type PositionedProblem = ValidationProblem & Position;

export interface YamlSource {
  readonly document: Document.Parsed;
  readonly lineCounter: LineCounter;
  /** The document as plain data: what the schema validates. */
  readonly value: unknown;
}

type Path = readonly PropertyKey[];

/** A visitor over every node that is written in the text (aliases are not followed). */
type NodeVisitor = (node: Node, path: Path, ancestors: readonly Node[]) => void;

function walk(node: unknown, path: Path, ancestors: readonly Node[], visit: NodeVisitor): void {
  if (!isMap(node) && !isSeq(node) && !isScalar(node) && !isAlias(node)) return;
  visit(node, path, ancestors);
  const inside = [...ancestors, node];
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "?";
      walk(pair.key, [...path, key], inside, visit);
      walk(pair.value, [...path, key], inside, visit);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      walk(item, [...path, index], inside, visit);
    });
  }
}

/** Where a node starts, 1-based. */
export function positionOf(source: YamlSource, node: Node | undefined): Position {
  const offset = node?.range?.[0] ?? 0;
  const { line, col } = source.lineCounter.linePos(offset);
  return { line, column: col };
}

function at(lineCounter: LineCounter, offset: number): { line: number; column: number } {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/** Duplicate keys, non-string keys and aliases that point nowhere or into themselves. */
function structureProblems(
  document: Document.Parsed,
  lineCounter: LineCounter,
  keyKind: (path: Path) => string,
): Array<PositionedProblem & { fatal: boolean }> {
  const problems: Array<PositionedProblem & { fatal: boolean }> = [];
  const place = (node: Node) => at(lineCounter, node.range?.[0] ?? 0);
  walk(document.contents, [], [], (node, path, ancestors) => {
    if (isAlias(node)) {
      const target = node.resolve(document);
      if (target === undefined) {
        problems.push({
          path: formatPath(path),
          message: `unknown alias *${node.source}: no anchor &${node.source} comes before it`,
          fatal: true,
          ...place(node),
        });
      } else if (ancestors.includes(target)) {
        problems.push({
          path: formatPath(path),
          message: `alias *${node.source} refers to a value that contains it`,
          fatal: true,
          ...place(node),
        });
      }
      return;
    }
    if (!isMap(node)) return;
    const seen = new Map<string, Node>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      if (keyNode === null) continue;
      if (!isScalar(keyNode)) {
        problems.push({
          path: formatPath(path),
          message: "keys must be plain strings, not lists or mappings",
          // Fatal: toJS would turn the key into text (and warn on the process's stderr).
          fatal: true,
          ...place(keyNode),
        });
        continue;
      }
      const key = String(keyNode.value);
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, keyNode);
        continue;
      }
      const { line, column } = place(first);
      problems.push({
        path: formatPath([...path, key]),
        message: `duplicate ${keyKind(path)} ${JSON.stringify(key)} (first defined at line ${line}, column ${column})`,
        fatal: false,
        ...place(keyNode),
      });
    }
  });
  return problems;
}

/** The yaml package's wording, except where it speaks to programmers rather than users. */
function yamlMessage(error: YAMLError): string {
  if (error.code === "MULTIPLE_DOCS") {
    return 'invalid YAML: a second document starts here ("---"); a workflow file holds one document';
  }
  return `invalid YAML: ${error.message}`;
}

export type ParseYamlResult =
  /** `problems` are ones that leave a usable value (duplicate keys): report, then go on. */
  | { ok: true; source: YamlSource; problems: PositionedProblem[] }
  | { ok: false; problems: PositionedProblem[] };

/**
 * Parses one YAML (or JSON) document. Stops at syntax errors, broken aliases and non-string keys: validating a
 * half-parsed document would only add confusing follow-on errors. Duplicate keys are
 * returned with the value (the last duplicate wins, as in toJS) so validation can go on.
 * `keyKind` names the keys of the mapping at a path ("step id" under `steps`).
 */
export function parseYamlDocument(text: string, keyKind: (path: Path) => string): ParseYamlResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const problems: PositionedProblem[] = [];
  const reported = new Set<number>();
  for (const error of [...document.errors, ...document.warnings]) {
    const offset = error.pos[0];
    // One mistake often trips several YAML rules at the same spot; the first says it best.
    if (reported.has(offset)) continue;
    reported.add(offset);
    problems.push({ path: "", message: yamlMessage(error), ...at(lineCounter, offset) });
  }
  if (problems.length > 0) return { ok: false, problems };
  const structure = structureProblems(document, lineCounter, keyKind);
  // A broken alias or a list as a key leaves no value to validate; a duplicate key leaves
  // the last one, so validation goes on and reports what else is wrong.
  if (structure.some((problem) => problem.fatal)) {
    return { ok: false, problems: structure.map(({ fatal: _fatal, ...problem }) => problem) };
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // Only an alias explosion (a "billion laughs" document) gets here; structure was checked.
    return {
      ok: false,
      problems: [
        { path: "", message: `invalid YAML: ${(error as Error).message}`, line: 1, column: 1 },
      ],
    };
  }
  return {
    ok: true,
    source: { document, lineCounter, value },
    problems: structure.map(({ fatal: _fatal, ...problem }) => problem),
  };
}

// Each mapping's pairs by key, built once: positioning every step of a large workflow would
// otherwise scan the steps mapping once per step.
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairsOf(map: YAMLMap): Map<string, Pair> {
  let pairs = pairIndex.get(map);
  if (pairs === undefined) {
    pairs = new Map();
    // toJS keeps the last of duplicate keys; so does this index.
    for (const pair of map.items) {
      if (isScalar(pair.key)) pairs.set(String(pair.key.value), pair as Pair);
    }
    pairIndex.set(map, pairs);
  }
  return pairs;
}

/**
 * The key and value nodes at `path`, following aliases. When the path runs out of the
 * document (a missing key), the deepest nodes that exist.
 */
export function locate(source: YamlSource, path: Path): { key?: Node; value?: Node } {
  let value: unknown = source.document.contents;
  let key: Node | undefined;
  for (const segment of path) {
    if (isAlias(value)) value = value.resolve(source.document);
    if (isMap(value)) {
      const pair = pairsOf(value).get(String(segment));
      if (pair === undefined) break;
      key = pair.key as Node;
      value = pair.value;
    } else if (isSeq(value) && typeof segment === "number" && segment < value.items.length) {
      key = undefined;
      value = value.items[segment];
    } else {
      break;
    }
  }
  const result: { key?: Node; value?: Node } = {};
  if (key !== undefined) result.key = key;
  if (isMap(value) || isSeq(value) || isScalar(value) || isAlias(value)) result.value = value;
  return result;
}

/** The keys of the mapping at `path` in the order they are written, each once. */
export function keysAt(source: YamlSource, path: Path): string[] {
  let { value } = locate(source, path);
  if (isAlias(value)) value = value.resolve(source.document);
  // A Map keeps a key where it was first set, even when a duplicate later replaces its value.
  return isMap(value) ? [...pairsOf(value).keys()] : [];
}

/** An empty value (`run:` with nothing after it) has no text to point at; its key does. */
function isEmpty(node: Node): boolean {
  return isScalar(node) && node.value === null && (node.source ?? "") === "";
}

/** The position of a problem about the key or the value at `path`. */
export function positionAt(source: YamlSource, path: Path, anchor: "key" | "value"): Position {
  const { key, value } = locate(source, path);
  if (anchor === "key" && key !== undefined) return positionOf(source, key);
  if (value !== undefined && !isEmpty(value)) return positionOf(source, value);
  if (key !== undefined) return positionOf(source, key);
  return positionOf(source, value);
}

/** The text of a plain scalar as written (`1.10`), when it differs from its parsed value. */
export function writtenAs(source: YamlSource, path: Path): string | undefined {
  let { value } = locate(source, path);
  if (isAlias(value)) value = value.resolve(source.document) ?? undefined;
  if (!isScalar(value) || value.type !== "PLAIN" || typeof value.source !== "string")
    return undefined;
  return value.source === String(value.value) ? undefined : value.source;
}
