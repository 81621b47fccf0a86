// Which host this is, in the terms meta.json's `startedOn` uses: the short host name, or
// RUNYARD_HOSTNAME when set. The override lets tests (and users whose login nodes report
// odd names) play two login nodes on one machine; the executor that records startedOn and
// the client that compares it must read it the same way, hence one function for both.
import { hostname } from "node:os";

/** The environment variable that overrides this host's name. */
export const HOSTNAME_ENV = "RUNYARD_HOSTNAME";

/**
 * `login01` of `login01.cluster.example`: of `$RUNYARD_HOSTNAME` when it is set and not blank,
 * else of the system's host name.
 */
export function shortHostname(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const name = env[HOSTNAME_ENV]?.trim() || hostname();
  return name.split(".")[0] || name;
}
