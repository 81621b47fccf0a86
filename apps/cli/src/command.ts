// What every subcommand is: a name, its help text, the flags it takes, and its code to load.
import type { ParseArgsConfig } from "node:util";
import type { PrestartedExecutor } from "@runyard/executor";
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
  /** The command being run, as the table has it (its usage for errors). */
  command: Command;
  /** The whole command table (completion lists it). */
  commands: readonly Command[];
  /**
   * An executor already started for this `run` (bin.ts, early-run.ts): launchRun adopts it if
   * it fits the launch, or abandons it.
   */
  prestarted?: PrestartedExecutor;
}

/** The flags a command was given, as node:util's parseArgs returns them. */
export type CommandValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** What a command does, once its flags are parsed; resolves to the exit status. */
export type CommandRun = (
  values: CommandValues,
  positionals: string[],
  context: CommandContext,
) => Promise<number>;

/**
 * A command as the command table knows it: what help, completion and the flag parser need,
 * and how to load its code. The table is all that `--help`, `--version` and completion load;
 * a command's code (and the packages it uses) is imported only when that command runs.
 */
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
  /** Imports the command's code. */
  load(): Promise<CommandRun>;
}
