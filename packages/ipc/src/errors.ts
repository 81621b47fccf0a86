// Errors of the IPC layer, each with a stable code the CLI can map. The ones a client meets
// when it cannot reach an executor all extend IpcConnectError, so "fall back to reading the
// run directory" is one `instanceof`; the subclasses say why.
import { type FinalStatus, RunyardError } from "@runyard/schema";

/** A Unix socket path longer than the kernel accepts (sun_path). */
export class SocketPathTooLongError extends RunyardError {
  readonly path: string;

  constructor(path: string, bytes: number, limit: number) {
    super(
      "E_SOCKET_PATH_TOO_LONG",
      `socket path is ${bytes} bytes, longer than the ${limit} a Unix socket allows: ${path}`,
      { hint: "choose a shorter runs root, e.g. RUNYARD_RUNS_DIR=~/.runyard/runs" },
    );
    this.path = path;
  }
}

/** Another live process already serves this socket. */
export class SocketInUseError extends RunyardError {
  constructor(path: string) {
    super("E_SOCKET_IN_USE", `a live executor already listens on ${path}`);
  }
}

const READ_THE_FILES = "read the run directory instead: its files tell how the run stands";

/**
 * The client could not reach an executor. Code E_IPC_CONNECT for a failure that is neither
 * of the subclasses (permission denied, ssh failed, no welcome in time).
 */
export class IpcConnectError extends RunyardError {
  /** What the client tried to reach: a socket path, or `host:path` over ssh. */
  readonly target: string;

  constructor(
    target: string,
    cause: unknown,
    options: { code?: string; message?: string; hint?: string } = {},
  ) {
    const why = String((cause as Error | undefined)?.message ?? cause);
    super(
      options.code ?? "E_IPC_CONNECT",
      options.message ?? `cannot connect to ${target}: ${why}`,
      {
        cause,
        hint: options.hint ?? READ_THE_FILES,
      },
    );
    this.target = target;
  }
}

/**
 * No executor answers here: the socket is missing or nobody listens on it, so the run has
 * finished or crashed. Retrying helps only while an executor is starting or restarting its
 * server; followRun retries for a while before it throws this.
 */
export class NoExecutorError extends IpcConnectError {
  /** How the run ended, when meta.json says it did: then no executor will ever answer. */
  readonly finalStatus: FinalStatus | undefined;

  constructor(
    target: string,
    cause: unknown,
    options: { detail?: string; finalStatus?: FinalStatus } = {},
  ) {
    const why =
      options.finalStatus !== undefined
        ? ` (meta.json records its end: ${options.finalStatus})`
        : options.detail === undefined
          ? ""
          : ` (${options.detail})`;
    super(target, cause, {
      code: "E_NO_EXECUTOR",
      message: `no executor answers at ${target}: the run has finished or crashed${why}`,
    });
    this.finalStatus = options.finalStatus;
  }
}

/**
 * The run's executor runs on another host (meta.json's startedOn): its socket can only be
 * reached from there, even when the run directory is on a shared file system.
 */
export class OtherHostError extends IpcConnectError {
  /** The host the run was started on, which alone can reach its socket. */
  readonly runHost: string;
  /** This host, as compared (RUNYARD_HOSTNAME or the short host name). */
  readonly thisHost: string;

  constructor(runDirectory: string, runHost: string, thisHost: string) {
    super(runDirectory, undefined, {
      code: "E_OTHER_HOST",
      message: `the run in ${runDirectory} was started on ${runHost}, not on this host (${thisHost}): its executor can only be reached from ${runHost}`,
      hint: `its files can be followed from here; to reach it live, go through ${runHost} (ssh ${runHost} runyard bridge <run-directory> relays its socket)`,
    });
    this.runHost = runHost;
    this.thisHost = thisHost;
  }
}

/** meta.json of a run directory could not be read (it is missing, a link, too large, not JSON). */
export class RunMetaError extends RunyardError {
  readonly path: string;

  constructor(path: string, reason: string, cause?: unknown) {
    super("E_RUN_META", `cannot read ${path}: ${reason}`, {
      cause,
      hint: "is this a run directory? `runyard ps` lists them",
    });
    this.path = path;
  }
}

/** The server answered with an error, or broke the protocol. */
export class IpcProtocolError extends RunyardError {}

/**
 * The run's timeline (run_summary.jsonl) breaks the seq rule where a replay reached it: a
 * gap, a repeat, a line that is not an event. A replay source throws it with a message that
 * names the file, the line, what was found and what was expected; the server sends that
 * message to the client under code E_TIMELINE_DAMAGED. Retrying cannot cure it.
 */
export class TimelineDamagedError extends RunyardError {
  constructor(message: string) {
    super("E_TIMELINE_DAMAGED", message, {
      hint: "the run's files still hold what was recorded: runyard show and runyard logs read them",
    });
  }
}
