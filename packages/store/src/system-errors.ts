// Node's system errors (a `code` such as EACCES, maybe a `path` and a `syscall`) in words a
// user reads without knowing errno: "permission denied", "it is a directory". The store names
// files with these, and the CLI builds its one-line errors from the same table.

/** What a system error says, picked out of Node's error object. */
export interface SystemErrorFacts {
  /** The errno name: EACCES, ENOSPC, EISDIR, ... */
  code: string;
  /** In words: "permission denied", "no space left on device", "it is a directory". */
  reason: string;
  /** The file the call was about, when Node says (a write to an open file does not). */
  path: string | undefined;
  /** The call that failed: open, read, write, mkdir, listen, ... */
  syscall: string | undefined;
}

const REASONS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  EISDIR: "it is a directory",
  ENOTDIR: "not a directory",
  EEXIST: "it already exists",
  ENOTEMPTY: "the directory is not empty",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EIO: "input/output error",
  EMFILE: "too many open files",
  EAGAIN: "resource temporarily unavailable",
  ENOMEM: "not enough memory",
  ENFILE: "too many open files on this system",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "the name is too long",
  EFBIG: "the file is too large",
  EBUSY: "it is busy",
  ETXTBSY: "the file is busy",
  EXDEV: "it is on another file system",
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "address not available",
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "the reader has gone away",
  ETIMEDOUT: "timed out",
};

const ERRNO_NAME = /^E[A-Z0-9]+$/;

/**
 * The facts of a Node system error, or undefined for anything else (a RunyardError's codes
 * have an underscore, E_RUN_FILE, and are not system errors).
 */
export function explainSystemError(error: unknown): SystemErrorFacts | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, path, syscall } = error as NodeJS.ErrnoException;
  if (typeof code !== "string" || !ERRNO_NAME.test(code)) return undefined;
  const fallback = error.message
    .replace(/^[A-Z0-9]+: /, "")
    .replace(/, \w+(?: '.*')?$/, "")
    .trim();
  return {
    code,
    reason: REASONS[code] ?? (fallback || code),
    path: typeof path === "string" ? path : undefined,
    syscall: typeof syscall === "string" ? syscall : undefined,
  };
}

/** The first system error in an error's `cause` chain (the error itself included). */
export function findSystemError(error: unknown): SystemErrorFacts | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth += 1) {
    const facts = explainSystemError(current);
    if (facts) return facts;
    current = current instanceof Error ? current.cause : undefined;
  }
  return undefined;
}
