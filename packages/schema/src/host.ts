// Which host this is, in the terms meta.json's `startedOn` uses: the short host name, or
// RUNYARD_HOSTNAME when set. The override lets tests (and users whose login nodes report
// odd names) play two login nodes on one machine; the executor that records startedOn and
// the client that compares it must read it the same way, hence one function for both.
import { hostname } from "node:os";

/** The environment variable that overrides this host's name. */
export const HOSTNAME_ENV = "RUNYARD_HOSTNAME";

/** `login01` of `login01.cluster.example`, or `$RUNYARD_HOSTNAME` when it is set and not blank. */
export function shortHostname(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const override = env[HOSTNAME_ENV]?.trim();
  if (override) return override;
  const name = hostname();
  return name.split(".")[0] || name;
}
