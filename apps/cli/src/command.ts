// What every subcommand is: a name, its help text, the flags it takes and what it does.
import type { ParseArgsConfig } from "node:util";
import type { Output } from "./output.js";

export interface CommandContext {
  output: Output;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM so long-running commands can stop cleanly. */
  signal: AbortSignal;
  debug: boolean;
}

export interface Command {
  name: string;
  aliases?: readonly string[];
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
