// `runyard receive CHANNEL [--last]` (its help: command-table/receive.ts). Reads the run's inbox
// directly: the executor publishes each message there, whole, under its number, before its
// `runyard send` returns; numbers sort numerically (1000 after 999).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { RunyardError } from "@runyard/schema/errors";
import { channelProblem, ENV, parseInboxFileName } from "@runyard/schema/layout";
import type { CommandRun } from "../command.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import { NotInStepError } from "../step-client.js";

const USAGE = "runyard receive <channel> [--last]";

export const run: CommandRun = async (values, positionals, context) => {
  const [channel, ...extra] = positionals;
  refuseExtraArguments(extra, USAGE);
  if (channel === undefined) throw new UsageError("missing the channel", `usage: ${USAGE}`);
  const problem = channelProblem(channel);
  if (problem) throw new UsageError(`invalid channel "${channel}": ${problem}`);
  const inbox = context.env[ENV.inboxDir];
  if (!inbox) throw new NotInStepError(ENV.inboxDir);
  let names: string[];
  try {
    names = await readdir(inbox);
  } catch (error) {
    // No message yet in the whole run: the directory comes with the first.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    names = [];
  }
  const messages = names
    .map((name) => ({ name, parsed: parseInboxFileName(name) }))
    .filter(({ parsed }) => parsed?.channel === channel)
    .sort((a, b) => (a.parsed?.index ?? 0) - (b.parsed?.index ?? 0));
  const chosen = values.last === true ? messages.slice(-1) : messages;
  if (values.last === true && chosen.length === 0) {
    throw new RunyardError("E_NO_MESSAGE", `no message was sent on channel "${channel}" yet`, {
      hint: "the sending step must have run 'runyard send' before: make this step need it",
    });
  }
  const { output } = context;
  // Bytes as they were sent (a message need not be UTF-8), as cat would print them.
  const write = (bytes: Buffer) =>
    output.stdout ? output.stdout.write(bytes) : output.out(bytes.toString("utf8"));
  for (const { name } of chosen) {
    const bytes = await readFile(join(inbox, name));
    write(bytes);
    if (values.last !== true && bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) {
      write(Buffer.from("\n"));
    }
  }
  return EXIT.ok;
};
