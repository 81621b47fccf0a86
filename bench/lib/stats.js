// The runner's pure parts: summaries of samples, ratios to the floor and the text table.
// Kept free of I/O so they can be checked on their own.

/** Median, min and max of numbers (the median of an even count is the mean of the middle two). */
export function summarize(values) {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

/** A candidate's median over its floor's median from the same run; NaN when there is none. */
export function ratio(value, floor) {
  return floor > 0 && Number.isFinite(value) ? value / floor : Number.NaN;
}

/** The order of candidates in one round: rotated by the round, so none is always first. */
export function roundOrder(names, round) {
  return names.map((_, turn) => names[(round + turn) % names.length]);
}

export const formatSeconds = (ms) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : "—");
export const formatMs = (ms) => (Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : "—");
export const formatMiB = (kb) => (Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MiB` : "—");
export const formatRatio = (value) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "—");

/** Wall times in seconds above a second, in milliseconds below. */
export function formatTime(ms) {
  return ms >= 1000 ? formatSeconds(ms) : formatMs(ms);
}

/**
 * Renders rows (arrays of strings) under a header as a Markdown table, padded so it also
 * reads as plain text; columns named in `right` are right-aligned.
 */
export function renderTable(header, rows, right = new Set()) {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => String(row[column] ?? "").length)),
  );
  const cell = (text, column) =>
    right.has(column) ? text.padStart(widths[column]) : text.padEnd(widths[column]);
  const line = (cells) =>
    `| ${cells.map((text, column) => cell(String(text ?? ""), column)).join(" | ")} |`;
  const rule = `| ${widths.map((width, column) => (right.has(column) ? `${"-".repeat(width - 1)}:` : "-".repeat(width))).join(" | ")} |`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}
