// Permission checks do not apply to root, and these tests often run as root (containers, CI).
// withoutPrivileges runs a body with the effective uid of `nobody` (65534) when the process is
// root, so that a file chmod'ed 000 really is unreadable; otherwise it just runs the body.
// Vitest runs each test file in a process of its own, so nothing else runs as `nobody`.

/** The uid a root test process drops to. */
export const NOBODY = 65534;

/**
 * @template T
 * @param {() => Promise<T>} body
 * @returns {Promise<T>}
 */
export async function withoutPrivileges(body) {
  if (process.geteuid?.() !== 0 || process.seteuid === undefined) return body();
  process.seteuid(NOBODY);
  try {
    return await body();
  } finally {
    process.seteuid(0);
  }
}
