// Text from run files and workflows (names, reasons, messages, host names, paths, step output)
// reaches the terminal, and a terminal obeys what it is sent: an escape sequence in a workflow
// name could move the cursor, rewrite what `ps` showed, set the window title or, on some
// terminals, answer back as if typed. Every renderer passes such text through here.
//
// - safeText: for names and messages. Every control character is shown, never sent: ESC as
//   `\e`, tab, newline and return as `\t` `\n` `\r`, the other C0 controls, DEL and the C1
//   controls as `\xHH`, and the Unicode line separators and bidirectional overrides (which
//   reorder what a reader sees) as `\uHHHH`.
// - TerminalFilter / safeOutput: for step output shown on a terminal. Colour (SGR: `ESC [ … m`),
//   tab, newline and return pass, as a step's coloured log should look as it does in its own
//   terminal; every other control is shown as safeText shows it, so an OSC (title, hyperlink,
//   clipboard), a cursor move or a screen clear is seen, not obeyed.
// Output to a pipe or a file (`runyard logs > out.txt`) is not filtered: it is the step's bytes.

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_EXCEPT_LAYOUT =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /\u001b\[[0-9;:]*m|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** An escape sequence that may still become a colour once the next chunk comes. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNFINISHED_SGR = /\u001b(\[[0-9;:]*)?$/;

const NAMED: Readonly<Record<string, string>> = {
  "\u001b": "\\e",
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
};

/** How a control character is shown: `\e`, `\n`, `\x07`, `\u202e`. */
export function visibleControl(character: string): string {
  const named = NAMED[character];
  if (named !== undefined) return named;
  const code = character.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * A string from a run file or a workflow, safe to print: every control character shown.
 * `lines` keeps newlines and tabs (a multi-line message), still showing every other control.
 */
export function safeText(text: string, options: { lines?: boolean } = {}): string {
  return text.replace(CONTROL, (character) =>
    options.lines === true && (character === "\n" || character === "\t")
      ? character
      : visibleControl(character),
  );
}

/** Step output for a terminal: colours, tabs and line breaks pass, other controls are shown. */
export function safeOutput(text: string): string {
  return text.replace(CONTROL_EXCEPT_LAYOUT, (match) =>
    match.length > 1 ? match : visibleControl(match),
  );
}

/**
 * safeOutput over a stream of chunks: an escape sequence cut between two chunks is held
 * until the next one says whether it is a colour.
 */
export class TerminalFilter {
  #held = "";

  push(chunk: string): string {
    const text = this.#held + chunk;
    const unfinished = UNFINISHED_SGR.exec(text);
    const cut = unfinished === null ? text.length : unfinished.index;
    this.#held = text.slice(cut);
    return safeOutput(text.slice(0, cut));
  }

  /** What is still held, shown (the stream ended inside an escape sequence). */
  end(): string {
    const rest = this.#held;
    this.#held = "";
    return safeOutput(rest);
  }
}
