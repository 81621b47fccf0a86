// What every subcommand is: a name, its help text, the flags it takes and what it does.
import type { ParseArgsConfig } from "node:util";
import type { Output } from "./output.js";

/** The signals a terminal sends a foreground command. */
export type TerminalSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

/**
 * Lets a command take the terminal's signals itself (run: the first Ctrl-C cancels, the second
 * kills; attach: any of them detaches). While a listener is registered, the default handling —
 * abort `signal` on the first, exit on the second — is off.
 */
export interface SignalSource {
  listen(listener: (signal: TerminalSignal) => void): () => void;
}

export interface CommandContext {
  output: Output;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM so long-running commands can stop cleanly. */
  signal: AbortSignal;
  signals: SignalSource;
  debug: boolean;
}

export interface Command {
  name: string;
  aliases?: readonly string[];
  /** Left out of `runyard --help` and completion (internal plumbing). */
  hidden?: boolean;
  summary: string;
  usage: string;
  /** Full help: what it does, its options and an example or two. */
  help: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  run(
    values: Record<string, string | boolean | (string | boolean)[] | undefined>,
    positionals: string[],
    context: CommandContext,
  ): Promise<number>;
}
