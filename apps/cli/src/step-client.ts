// What the commands a step runs (`runyard log`, `send`, `receive`, `artifact save`) share: who
// the step is (from the variables its executor set), one request to the executor over the
// run's ipc.sock, and the staged files a message or an artifact travels in. A step may call
// these hundreds of times, each a Node start: this file loads node:net and node:fs only — no
// zod, no protocol package — and speaks the few lines it needs by hand (docs/protocol.md,
// "Step requests").
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { chmod, type FileHandle, lstat, mkdir, open, unlink } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { RunyardError } from "@runyard/schema/errors";
import { DIRECTORY_MODE, ENV, FILE_MODE } from "@runyard/schema/layout";
import { VERSION } from "./version.js";

/** How long the executor has to answer (publishing is a link and an fsync). */
const ANSWER_TIMEOUT_MS = 60_000;

export const IN_STEP_HINT =
  'runyard log, send, receive and artifact save are for the commands of a workflow\'s steps: see docs/workflow.md, "Inside a step"';

/** The command was run outside a step of a run: exit status 2. */
export class NotInStepError extends RunyardError {
  constructor(missing: string) {
    super("E_NOT_IN_STEP", `not inside a Runyard step: ${missing} is not set`, {
      hint: IN_STEP_HINT,
    });
  }
}

/** The step's executor does not answer on its socket: exit status 1. */
export class ExecutorUnreachableError extends RunyardError {
  constructor(socket: string, reason: string) {
    super("E_EXECUTOR_UNREACHABLE", `cannot reach the run's executor at ${socket}: ${reason}`, {
      hint: "the run may have ended, or this step runs on another host than its executor (ipc.sock is reachable only on the executor's host)",
    });
  }
}

export interface StepIdentity {
  socket: string;
  stepId: string;
  stepSeq: number;
}

/** The step this process runs in, from RUNYARD_SOCKET, RUNYARD_STEP_ID and RUNYARD_STEP_SEQ. */
export function stepIdentity(env: NodeJS.ProcessEnv): StepIdentity {
  const socket = env[ENV.socket];
  if (!socket) throw new NotInStepError(ENV.socket);
  const stepId = env[ENV.stepId];
  if (!stepId) throw new NotInStepError(ENV.stepId);
  const stepSeq = Number(env[ENV.stepSeq]);
  if (!Number.isSafeInteger(stepSeq) || stepSeq < 1) throw new NotInStepError(ENV.stepSeq);
  return { socket, stepId, stepSeq };
}

/** The executor's answer to a step request. */
export interface StepOk {
  seq: number;
  path?: string;
}

function systemReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no socket there (the run has ended?)";
  if (code === "ECONNREFUSED") return "nothing listens there (the executor is gone?)";
  return (error as Error).message;
}

/**
 * Says hello and `request` at once, and waits for the answer with its id: step-ok, or an error
 * (thrown as a RunyardError with the executor's code and message).
 */
export function askExecutor(
  identity: StepIdentity,
  request: { type: string } & Record<string, unknown>,
): Promise<StepOk> {
  const id = "1";
  const lines = [
    { type: "hello", protocolVersions: [1], client: `runyard-cli/${VERSION}` },
    { ...request, id, stepId: identity.stepId, stepSeq: identity.stepSeq },
  ]
    .map((line) => `${JSON.stringify(line)}\n`)
    .join("");
  return new Promise((resolve, reject) => {
    const socket = connect(identity.socket);
    let settled = false;
    let buffer = "";
    const finish = (error: Error | undefined, answer?: StepOk) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(answer as StepOk);
    };
    const timer = setTimeout(
      () =>
        finish(
          new ExecutorUnreachableError(
            identity.socket,
            `no answer within ${ANSWER_TIMEOUT_MS / 1000} s`,
          ),
        ),
      ANSWER_TIMEOUT_MS,
    );
    socket.once("connect", () => socket.write(lines));
    socket.on("error", (error) =>
      finish(new ExecutorUnreachableError(identity.socket, systemReason(error))),
    );
    socket.on("close", () =>
      finish(new ExecutorUnreachableError(identity.socket, "it closed the connection unanswered")),
    );
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      for (let newline = buffer.indexOf("\n"); newline !== -1; newline = buffer.indexOf("\n")) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        const message = parseLine(line);
        if (message === undefined) continue;
        if (message.type === "step-ok" && message.id === id && typeof message.seq === "number") {
          finish(undefined, {
            seq: message.seq,
            ...(typeof message.path === "string" ? { path: message.path } : {}),
          });
        } else if (message.type === "error" && (message.id === id || message.id === undefined)) {
          // An error without an id is about the connection (a version the executor does not
          // speak, a line it could not read): the request was not done either way.
          const code = typeof message.code === "string" ? message.code : "E_STEP_REQUEST";
          const text = typeof message.message === "string" ? message.message : "refused";
          finish(new RunyardError(code, `the executor refused: ${text}`));
        } else if (message.type === "bye") {
          finish(new RunyardError("E_RUN_ENDED", "the executor refused: the run has ended"));
        }
      }
    });
  });
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A file a command writes for the executor to publish (step-requests.ts in the executor). */
export interface StagedFile {
  /** Its name in `directory`: .staged-<pid>-<hex>.tmp. */
  name: string;
  path: string;
  handle: FileHandle;
}

/**
 * Creates a staged file in `directory` (inbox/ or artifacts/ of the run), 0600, never through
 * a link: the directory must be a real directory (made 0700 if `create` and missing), the
 * file a new one.
 */
export async function createStagedFile(
  directory: string,
  label: string,
  create: boolean,
): Promise<StagedFile> {
  let stats = await lstat(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
    return undefined;
  });
  if (stats === undefined && create) {
    await mkdir(directory, { mode: DIRECTORY_MODE }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    });
    await chmod(directory, DIRECTORY_MODE);
    stats = await lstat(directory);
  }
  if (stats === undefined) {
    throw new RunyardError("E_RUN_DIRECTORY", `the run has no ${label}/ directory: ${directory}`);
  }
  if (!stats.isDirectory()) {
    throw new RunyardError(
      "E_RUN_DIRECTORY",
      `${directory} is not a directory (a symbolic link?): Runyard writes only inside the run directory`,
    );
  }
  const name = `.staged-${process.pid}-${randomBytes(8).toString("hex")}.tmp`;
  const path = join(directory, name);
  const handle = await open(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    FILE_MODE,
  );
  await handle.chmod(FILE_MODE);
  return { name, path, handle };
}

/** Removes a staged file that will not be published (a refusal, an error). */
export async function discardStagedFile(staged: StagedFile): Promise<void> {
  await staged.handle.close().catch(() => undefined);
  await unlink(staged.path).catch(() => undefined);
}
