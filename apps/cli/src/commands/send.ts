// `runyard send CHANNEL [FILE|-]` (its help: command-table/send.ts). The message is read into a
// staged file in the run's inbox/, at most 1 MiB of it, and the executor publishes it under
// its number (step-client.ts).
import { open } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { RunyardError } from "@runyard/schema/errors";
import { channelProblem, ENV, MESSAGE_MAX_BYTES, RUN_FILES } from "@runyard/schema/layout";
import type { CommandRun } from "../command.js";
import { EXIT, refuseExtraArguments, UsageError } from "../errors.js";
import { askExecutor, createStagedFile, discardStagedFile, stepIdentity } from "../step-client.js";

const USAGE = "runyard send <channel> [file|-]";

/** The message is larger than runyard send takes: exit status 3. */
export class MessageTooLargeError extends RunyardError {
  constructor(what: string) {
    super(
      "E_MESSAGE_TOO_LARGE",
      `${what} is larger than ${MESSAGE_MAX_BYTES} bytes (1 MiB), the most a message may hold`,
      {
        hint: "send a smaller message, or save the data as an artifact: runyard artifact save FILE",
      },
    );
  }
}

export const run: CommandRun = async (_values, positionals, context) => {
  const [channel, file, ...extra] = positionals;
  refuseExtraArguments(extra, USAGE);
  if (channel === undefined) throw new UsageError("missing the channel", `usage: ${USAGE}`);
  const problem = channelProblem(channel);
  if (problem) throw new UsageError(`invalid channel "${channel}": ${problem}`);
  const identity = stepIdentity(context.env);
  const fromStdin = file === undefined || file === "-";
  const what = fromStdin ? "the message on standard input" : file;
  // Opened first: a missing FILE leaves nothing behind.
  let source: Readable;
  if (fromStdin) source = process.stdin;
  else {
    // The stream closes the file when it ends, or when destroyed.
    source = (await open(resolve(context.cwd, file), "r")).createReadStream();
  }
  const inbox = context.env[ENV.inboxDir] || join(dirname(identity.socket), RUN_FILES.inbox);
  const staged = await createStagedFile(inbox, RUN_FILES.inbox, true);
  try {
    let bytes = 0;
    for await (const chunk of source as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > MESSAGE_MAX_BYTES) throw new MessageTooLargeError(what);
      await staged.handle.write(chunk);
    }
    await staged.handle.datasync();
    await staged.handle.close();
    await askExecutor(identity, { type: "step-send", channel, staged: staged.name });
  } catch (error) {
    await discardStagedFile(staged);
    throw error;
  } finally {
    if (!fromStdin) source.destroy();
  }
  return EXIT.ok;
};
