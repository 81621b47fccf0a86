// The one way a value from a workflow, a param or a file name enters an exported bash script:
// as a single-quoted word, in which bash gives no character a meaning but the closing quote.
// Each `'` is written as `'\''` (close, an escaped quote, open again). A NUL byte cannot be
// held by any bash word, so it is refused rather than silently cut. Comments in the script
// carry text through shellComment, which keeps it on its line.
import { RunyardError } from "@runyard/schema/errors";

/** A value an exported script cannot hold: exit status 3, naming where it was. */
export class ExportValueError extends RunyardError {
  constructor(where: string) {
    super(
      "E_EXPORT_VALUE",
      `${where} holds a NUL byte, which no bash string (and no environment variable) can carry`,
      {
        hint: "remove the NUL byte (a \\0 escape in a double-quoted YAML string) and export again",
      },
    );
  }
}

/**
 * `value` as one bash word that stands for exactly `value`, whatever it holds (quotes, `$`,
 * backquotes, backslashes, newlines, `!`, globs). `where` names the value in the error.
 */
export function shellQuote(value: string, where = "a value"): string {
  if (value.includes("\0")) throw new ExportValueError(where);
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** Text for a `#` comment: on one line whatever it holds (JSON escapes every line break). */
export function shellComment(text: string): string {
  return JSON.stringify(text).replace(
    /[\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16)}`,
  );
}
