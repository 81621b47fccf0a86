// Fields the workflow format accepts but this executor does not act on yet: `foreach`, on a
// step. Running such a workflow as if it were not there would do something other than what it
// says (a step meant to run once per value would run once), so runWorkflow refuses it before
// anything is created, and `runyard validate` warns about each, with the line and column of
// the field.
import { formatPath, type ResolvedWorkflow, type ValidationProblem } from "@runyard/schema";
import { isMap, isScalar, LineCounter, type Node, parseDocument } from "yaml";

/** Each field, and the feature whose arrival will give it meaning. */
const COMING_WITH = {
  foreach: "foreach",
} as const;
type Field = keyof typeof COMING_WITH;

/** One field this executor would ignore: where it is written and what to do about it. */
export interface UnsupportedField extends ValidationProblem {
  readonly line: number;
  readonly column: number;
}

interface Position {
  line: number;
  column: number;
}

/**
 * The position of the key at `path` in the workflow's source, or undefined (the loader has
 * validated the text, so this only misses keys that come from a YAML merge or alias).
 */
function keyLocator(source: Uint8Array): (path: readonly string[]) => Position | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(new TextDecoder().decode(source), { lineCounter });
  return (path) => {
    let node: unknown = document.contents;
    let key: Node | undefined;
    for (const name of path) {
      if (!isMap(node)) return undefined;
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === name);
      if (!pair || !isScalar(pair.key)) return undefined;
      key = pair.key;
      node = pair.value;
    }
    const offset = key?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
}

/** Every field of `workflow` this executor does not support yet, in the order of the file. */
export function unsupportedFields(workflow: ResolvedWorkflow): UnsupportedField[] {
  const wanted: { path: string[]; field: Field; fallback: Position }[] = [];
  for (const step of workflow.steps) {
    for (const field of Object.keys(COMING_WITH) as Field[]) {
      if (step.raw[field] !== undefined) {
        wanted.push({ path: ["steps", step.id, field], field, fallback: step.position });
      }
    }
  }
  if (wanted.length === 0) return [];
  const locate = keyLocator(workflow.source);
  return wanted
    .map(({ path, field, fallback }) => ({
      path: formatPath(path),
      message: `not supported yet by this executor (coming with ${COMING_WITH[field]}); remove it to run`,
      ...(locate(path) ?? fallback),
    }))
    .sort((a, b) => a.line - b.line || a.column - b.column);
}
