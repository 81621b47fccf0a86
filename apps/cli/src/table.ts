// Plain-text tables for the terminal: columns padded to their widest cell, two spaces apart,
// a style per cell (applied after padding, so colour codes do not upset the widths). Cells are
// made safe (safe-text.ts) first: they hold names and reasons from run files.
import { type Output, paint, type Style } from "./output.js";
import { safeText } from "./safe-text.js";

export interface TableRow {
  cells: string[];
  /** A style for each cell, or undefined for none. */
  styles?: (Style | undefined)[];
}

export interface TableOptions {
  /** Columns whose cells line up on the right (sizes, counts). */
  alignRight?: readonly number[];
}

/** The rows as lines, without a trailing newline; the last column is not padded. */
export function renderTable(
  output: Pick<Output, "color">,
  rows: readonly TableRow[],
  options: TableOptions = {},
): string {
  const right = new Set(options.alignRight ?? []);
  const safe = rows.map((row) => ({ ...row, cells: row.cells.map((cell) => safeText(cell)) }));
  const columns = Math.max(0, ...rows.map((row) => row.cells.length));
  const widths = Array.from({ length: columns }, (_, column) =>
    Math.max(...safe.map((row) => (row.cells[column] ?? "").length)),
  );
  return safe
    .map((row) =>
      row.cells
        .map((cell, column) => {
          const width = widths[column] ?? 0;
          const padded = right.has(column)
            ? cell.padStart(width)
            : column === row.cells.length - 1
              ? cell
              : cell.padEnd(width);
          const style = row.styles?.[column];
          return style && cell !== "" ? paint(output, style, padded) : padded;
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** A header row: the titles, dimmed. */
export function headerRow(titles: readonly string[]): TableRow {
  return { cells: [...titles], styles: titles.map(() => "dim" as const) };
}

/** The last 8 characters of a run id: random, so unique in practice; every command takes them. */
export function shortRunId(runId: string): string {
  return runId.slice(-8);
}

/** "1 run", "3 runs". */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
