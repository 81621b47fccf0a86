// What a step's own commands ask of its run through ipc.sock — `runyard log`, `runyard send`,
// `runyard artifact save` — decided here, so that the executor stays the only writer of the
// timeline (one seq, no gaps) and the only one to give files their published names.
//
// A message or an artifact travels as a file, never through the socket: the step's command
// writes it, fsynced and 0600, under a hidden staged name (.staged-<pid>-<hex>.tmp) in inbox/ or
// artifacts/, and asks the executor to publish it. The executor checks that the staged file is
// a plain file of its own (not a link, one name only, not too big), then gives it its name
// with link(2), which never follows and never replaces whatever holds the name (a file, a
// symlink pointing out of the run directory), removes the staged name, fsyncs the directory and
// records the event. Inbox names take the next number of a per-run counter, one publication
// at a time, so that inbox/NNN- has no gap and follows the order of the message-send events.
import { constants } from "node:fs";
import { chmod, link, lstat, open, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { StepAnswer } from "@runyard/ipc";
import { PROTOCOL_ERROR_CODES, type StepRequestMessage } from "@runyard/protocol";
import {
  artifactNameProblem,
  channelProblem,
  DIRECTORY_MODE,
  FILE_MODE,
  inboxFileName,
  LOG_MESSAGE_MAX_BYTES,
  MESSAGE_MAX_BYTES,
  parseInboxFileName,
  RUN_FILES,
  type RunStatus,
  RunyardError,
  STAGED_FILE_PATTERN,
} from "@runyard/schema";
import { fsyncDirectory, type RunPaths } from "@runyard/store";
import type { EventPipeline } from "./event-pipeline.js";

export interface StepRequestContext {
  paths: RunPaths;
  pipeline: EventPipeline;
  /** The run's status now (read, never changed): which attempt of each step is running. */
  status(): RunStatus;
  /** True once every step has ended. */
  ended(): boolean;
}

/** A step request the executor refuses; the code is in the protocol's list. */
function refused(message: string, code: string = PROTOCOL_ERROR_CODES.stepRequest): RunyardError {
  return new RunyardError(code, message);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** The handler of step requests (IpcServerHandlers.step) for one run. */
export function stepRequestHandler(
  context: StepRequestContext,
): (request: StepRequestMessage) => Promise<StepAnswer> {
  /** The next inbox number; undefined until the first message (read from inbox/ then). */
  let inboxCount: number | undefined;
  /** Inbox publications, one at a time: the number is taken only once the name is given. */
  let inboxQueue: Promise<unknown> = Promise.resolve();

  /** The event, or a refusal when the run has ended (or cannot record it). */
  const record = (event: Parameters<EventPipeline["emit"]>[0]): number => {
    const emitted = context.pipeline.emit(event);
    if (emitted === undefined) throw refused("the run has ended", PROTOCOL_ERROR_CODES.runEnded);
    return emitted.seq;
  };

  /** Refuses a request from anything but the running attempt of a step of this run. */
  const checkStep = (request: StepRequestMessage): void => {
    if (context.ended()) throw refused("the run has ended", PROTOCOL_ERROR_CODES.runEnded);
    const step = context.status().steps.find((candidate) => candidate.nodeId === request.stepId);
    if (step === undefined) {
      throw refused(`this run has no step "${request.stepId}"`, PROTOCOL_ERROR_CODES.unknownStep);
    }
    if (step.status !== "running") {
      throw refused(
        `step "${request.stepId}" is not running (it is ${step.status}): only a running step may log, send or save artifacts`,
        PROTOCOL_ERROR_CODES.stepNotRunning,
      );
    }
    if (step.seq !== request.stepSeq) {
      throw refused(
        `the attempt of step "${request.stepId}" with RUNYARD_STEP_SEQ=${request.stepSeq} is not running (the running one has ${step.seq})`,
        PROTOCOL_ERROR_CODES.stepNotRunning,
      );
    }
  };

  const inboxNumber = async (): Promise<number> => {
    if (inboxCount !== undefined) return inboxCount + 1;
    let highest = 0;
    try {
      for (const name of await readdir(context.paths.inbox)) {
        const parsed = parseInboxFileName(name);
        if (parsed && parsed.index > highest) highest = parsed.index;
      }
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw error;
    }
    inboxCount = highest;
    return highest + 1;
  };

  const send = async (request: Extract<StepRequestMessage, { type: "step-send" }>) => {
    const problem = channelProblem(request.channel);
    if (problem) throw refused(`invalid channel "${request.channel}": ${problem}`);
    const directory = context.paths.inbox;
    // In the queue, the event too: message-send events come in the order of their numbers.
    const published = inboxQueue.then(async () => {
      const index = await inboxNumber();
      const name = inboxFileName(index, request.channel);
      await publish(directory, RUN_FILES.inbox, request.staged, name, {
        maxBytes: MESSAGE_MAX_BYTES,
        what: "message",
      });
      inboxCount = index;
      const path = `${RUN_FILES.inbox}/${name}`;
      const seq = record({
        type: "message-send",
        channel: request.channel,
        sender: request.stepId,
        file: path,
      });
      return { seq, path };
    });
    inboxQueue = published.catch(() => undefined);
    return published;
  };

  const saveArtifact = async (request: Extract<StepRequestMessage, { type: "step-artifact" }>) => {
    const problem = artifactNameProblem(request.name);
    if (problem) throw refused(`invalid artifact name "${request.name}": ${problem}`);
    const size = await publish(
      context.paths.artifacts,
      RUN_FILES.artifacts,
      request.staged,
      request.name,
      { what: "artifact" },
    );
    const seq = record({
      type: "artifact-save",
      path: request.name,
      size,
      stepId: request.stepId,
    });
    return { seq, path: `${RUN_FILES.artifacts}/${request.name}` };
  };

  return async (request) => {
    checkStep(request);
    if (request.type === "step-log") {
      const bytes = Buffer.byteLength(request.message);
      if (bytes > LOG_MESSAGE_MAX_BYTES) {
        throw refused(
          `the log message is ${bytes} bytes, more than the ${LOG_MESSAGE_MAX_BYTES} a log line may hold`,
        );
      }
      const seq = record({
        type: "log",
        level: request.level,
        message: request.message,
        stepId: request.stepId,
      });
      return { seq };
    }
    if (request.type === "step-send") return send(request);
    return saveArtifact(request);
  };
}

/**
 * Gives the staged file `staged` in `directory` (a directory of the run, `label` for messages)
 * the name `name`, durably; returns its size. Refuses a staged name that is not one, a staged
 * file that is not a plain file with one name, one over `maxBytes`, a directory that is a
 * symlink, and a name already taken.
 */
async function publish(
  directory: string,
  label: string,
  staged: string,
  name: string,
  options: { maxBytes?: number; what: string },
): Promise<number> {
  if (!STAGED_FILE_PATTERN.test(staged)) {
    throw refused(`"${staged}" is not a staged file name (.staged-<pid>-<hex>.tmp)`);
  }
  const stats = await lstat(directory).catch((error: unknown) => {
    if (errorCode(error) === "ENOENT") throw refused(`the run has no ${label}/ directory`);
    throw error;
  });
  // A step may have put a link in its place: the executor writes only inside the run.
  if (!stats.isDirectory()) {
    throw refused(`${label}/ is not a directory of the run (a symbolic link?): nothing published`);
  }
  if ((stats.mode & 0o777) !== DIRECTORY_MODE) await chmod(directory, DIRECTORY_MODE);
  const stagedPath = join(directory, staged);
  let size: number;
  // O_NOFOLLOW: a link in the staged file's place fails (ELOOP) rather than being published.
  const handle = await open(
    stagedPath,
    constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
  ).catch((error: unknown) => {
    const code = errorCode(error);
    if (code === "ENOENT") throw refused(`the staged ${options.what} ${label}/${staged} is gone`);
    if (code === "ELOOP") throw refused(`the staged ${options.what} is a symbolic link`);
    throw error;
  });
  try {
    const file = await handle.stat();
    if (!file.isFile()) throw refused(`the staged ${options.what} is not a regular file`);
    if (file.nlink !== 1) {
      throw refused(`the staged ${options.what} has other names (hard links): not published`);
    }
    if (options.maxBytes !== undefined && file.size > options.maxBytes) {
      throw refused(
        `the ${options.what} is ${file.size} bytes, more than the ${options.maxBytes} allowed`,
      );
    }
    size = file.size;
    await handle.chmod(FILE_MODE);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(stagedPath, join(directory, name));
  } catch (error) {
    if (errorCode(error) === "EEXIST") {
      throw refused(
        `${label}/${name} exists already: a published ${options.what} is never replaced`,
      );
    }
    throw error;
  }
  await unlink(stagedPath);
  await fsyncDirectory(directory);
  return size;
}
