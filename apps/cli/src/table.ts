// Tables of runs on a terminal: columns padded to their widest cell, numbers (sizes) aligned
// right, a dim header, colour per cell only when the output wants colour.
import { type Output, paint, type Style } from "./output.js";

export interface Column {
  header: string;
  /** Sizes and counts read best aligned right. */
  align?: "left" | "right";
}

export interface Cell {
  text: string;
  style?: Style | undefined;
}

/** The table as lines, without a final newline; the last column is not padded. */
export function renderTable(
  output: Pick<Output, "color">,
  columns: readonly Column[],
  rows: readonly (readonly Cell[])[],
): string {
  const all: (readonly Cell[])[] = [
    columns.map((column) => ({ text: column.header, style: "dim" as const })),
    ...rows,
  ];
  const widths = columns.map((_, index) =>
    Math.max(...all.map((row) => row[index]?.text.length ?? 0)),
  );
  return all
    .map((row) =>
      row
        .map((cell, index) => {
          const width = widths[index] ?? 0;
          const last = index === row.length - 1;
          const text =
            columns[index]?.align === "right"
              ? cell.text.padStart(width)
              : last
                ? cell.text
                : cell.text.padEnd(width);
          return cell.style ? paint(output, cell.style, text) : text;
        })
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The colour of a run's state, as `runyard ps` shows it. */
export const STATE_STYLE: Readonly<Record<string, Style>> = {
  success: "green",
  failed: "red",
  crashed: "red",
  unreadable: "red",
  running: "blue",
  cancelled: "yellow",
};

/** The last 8 characters of a run id: random, so unique in practice; `runyard rm` takes them. */
export function shortRunId(runId: string): string {
  return runId.slice(-8);
}

/** "45s ago", "12m ago", "5h ago", "9d ago"; "-" when nothing says. */
export function timeAgo(iso: string | null, now: number): string {
  if (iso === null) return "-";
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  const [amount, unit] =
    seconds < 60
      ? [seconds, "s"]
      : seconds < 3600
        ? [seconds / 60, "m"]
        : seconds < 86_400
          ? [seconds / 3600, "h"]
          : [seconds / 86_400, "d"];
  return `${Math.floor(amount)}${unit} ago`;
}

/** "1 run", "3 runs". */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
