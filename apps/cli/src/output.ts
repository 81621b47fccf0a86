// Terminal output helpers: colour only on a TTY that wants it (NO_COLOR, FORCE_COLOR),
// durations a person reads at a glance.

export interface Output {
  out: (text: string) => void;
  err: (text: string) => void;
  color: boolean;
}

export function terminalOutput(): Output {
  const forced = process.env.FORCE_COLOR;
  const color =
    forced !== undefined
      ? forced !== "0"
      : process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    color,
  };
}

const CODES = {
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  gray: 90,
  bold: 1,
  dim: 2,
} as const;
export type Style = keyof typeof CODES;

export function paint(output: Pick<Output, "color">, style: Style, text: string): string {
  return output.color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
}

/** 0.4s, 12.3s, 4m05s, 2h03m */
export function formatDuration(milliseconds: number): string {
  const seconds = milliseconds / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

/** Replaces the home directory with ~ so paths stay short. */
export function tildify(path: string, home = process.env.HOME): string {
  return home && home !== "/" && path.startsWith(`${home}/`) ? `~${path.slice(home.length)}` : path;
}
