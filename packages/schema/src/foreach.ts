// `foreach`: one step written once, run once per item. The items are a list, a string in the
// grammar of Slurm's `--array` (comma-separated entries, each a word or a range `1-10` with an
// optional step `1-10:2`), or a file read when the step becomes ready, one item per line.
// This module is the grammar, the reading of an item file, and the naming of the instances:
// pure functions, shared by the loader, the executor, `--dry-run` and `export`.
import { INSTANCE_ID_PATTERN, ITEM_LABEL, STEP_ID_MAX_LENGTH } from "./layout.js";

/** More items than this is a mistake (a range with a typo), not a workflow: refuse it. */
export const FOREACH_MAX_ITEMS = 100_000;

/** Bytes of an item file the executor reads at most: 100,000 paths of 160 bytes. */
export const FOREACH_FILE_MAX_BYTES = 16 * 1024 * 1024;

/** An item that can stand in an instance's id: `mesh[coarse]`. */
const LABEL_PATTERN = new RegExp(`^${ITEM_LABEL}$`);

const RANGE_PATTERN = /^(\d+)-(\d+)(?::(\d+))?$/;

export type ForeachTextResult = { ok: true; items: string[] } | { ok: false; message: string };

/**
 * The items a foreach string stands for: "coarse,medium,fine", "1-10", "0-100:10",
 * "1-3,7,9". A malformed entry or too many items is an error that says what was expected.
 */
export function parseForeachText(text: string): ForeachTextResult {
  const items: string[] = [];
  for (const [index, raw] of text.split(",").entries()) {
    const entry = raw.trim();
    if (entry === "") {
      return {
        ok: false,
        message: `entry ${index + 1} of "${text}" is empty: expected items separated by single commas, such as "coarse,medium,fine" or "1-10"`,
      };
    }
    const range = RANGE_PATTERN.exec(entry);
    if (range === null) {
      items.push(entry);
      continue;
    }
    const first = Number(range[1]);
    const last = Number(range[2]);
    const stride = range[3] === undefined ? 1 : Number(range[3]);
    if (stride === 0) return { ok: false, message: `range "${entry}" has a step of 0` };
    if (first > last) {
      return {
        ok: false,
        message: `range "${entry}" counts down: expected the first number no greater than the last (write "${last}-${first}"; to keep "${entry}" as one item, use a list: ["${entry}"])`,
      };
    }
    const count = Math.floor((last - first) / stride) + 1;
    if (items.length + count > FOREACH_MAX_ITEMS) return tooMany(items.length + count);
    for (let value = first; value <= last; value += stride) items.push(String(value));
  }
  if (items.length > FOREACH_MAX_ITEMS) return tooMany(items.length);
  return { ok: true, items };
}

function tooMany(count: number): { ok: false; message: string } {
  return {
    ok: false,
    message: `${count.toLocaleString("en-US")} items: at most ${FOREACH_MAX_ITEMS.toLocaleString("en-US")} are allowed in one loop`,
  };
}

/**
 * The items of an item file: one per line, surrounding spaces and a CR trimmed; blank lines
 * and lines starting with "#" are skipped.
 */
export function parseForeachFile(text: string): string[] {
  const items: string[] = [];
  for (const line of text.split("\n")) {
    const item = line.trim();
    if (item !== "" && !item.startsWith("#")) items.push(item);
  }
  return items;
}

/**
 * The ids of a loop's instances, in item order: `mesh[coarse]` when every item can stand in
 * an id (letters, digits, `_ . + -`, at most 64) and no two are the same; otherwise, for the
 * whole loop, the item's index from 0: `mesh[0]`, `mesh[1]`. Ids must stay file names, and one
 * rule per loop keeps them predictable.
 */
export function instanceIds(stepId: string, items: readonly string[]): string[] {
  const byItem =
    items.every((item) => LABEL_PATTERN.test(item)) && new Set(items).size === items.length;
  const ids = items.map((item, index) => `${stepId}[${byItem ? item : index}]`);
  // A step id of 100 characters with a long item would make a file name over 255 bytes.
  if (ids.some((id) => id.length > STEP_ID_MAX_LENGTH + 66)) {
    return items.map((_, index) => `${stepId}[${index}]`);
  }
  return ids;
}

/**
 * `${NAME}` in a field that is not a script (today: `foreach.file`): replaced by the value of
 * the param NAME, or by the run directory for RUNYARD_RUN_DIR. Never in `run`: a step reads
 * values from its environment, so no value is ever spliced into a shell script.
 */
const REFERENCE = /\$\{([^}]*)\}/g;

/** The names a field refers to, and whether a `${` is left unclosed. */
export function referencesIn(text: string): { names: string[]; unclosed: boolean } {
  const names = [...text.matchAll(REFERENCE)].map((match) => match[1] ?? "");
  return { names, unclosed: text.replace(REFERENCE, "").includes("${") };
}

/** `text` with each `${NAME}` replaced by its value (the loader checked every name). */
export function interpolate(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(REFERENCE, (whole, name: string) =>
    Object.hasOwn(values, name) ? (values[name] as string) : whole,
  );
}

/** The loop's step id and the label of an instance id, or undefined for a plain step id. */
export function parseInstanceId(id: string): { loop: string; label: string } | undefined {
  const match = INSTANCE_ID_PATTERN.exec(id);
  if (!match?.[1] || !match[2]) return undefined;
  return { loop: match[1], label: match[2] };
}
