// Version negotiation: the client's hello lists the versions it speaks, the server picks the
// highest one both speak, or answers an `error` with E_PROTOCOL_VERSION and closes.
import type { RunyardError } from "@runyard/schema";
import { ProtocolVersionError } from "./errors.js";
import { type ErrorMessage, PROTOCOL_VERSIONS } from "./messages.js";

export type Negotiation =
  | { readonly ok: true; readonly version: number }
  | { readonly ok: false; readonly error: ProtocolVersionError };

function list(versions: readonly number[]): string {
  return versions.length === 0 ? "none" : versions.join(", ");
}

/**
 * The highest version in both `offered` (from hello) and `supported` (default: this
 * implementation's PROTOCOL_VERSIONS), or an error that says which side to upgrade.
 */
export function negotiateProtocolVersion(
  offered: readonly number[],
  supported: readonly number[] = PROTOCOL_VERSIONS,
): Negotiation {
  const common = offered.filter((version) => supported.includes(version));
  if (common.length > 0) return { ok: true, version: Math.max(...common) };
  const clientIsOlder = Math.max(...offered) < Math.min(...supported);
  const hint = clientIsOlder
    ? "upgrade the client (or use a runyard as old as the executor)"
    : "upgrade runyard on the host that runs the executor";
  return {
    ok: false,
    error: new ProtocolVersionError(
      `no common protocol version: the client speaks ${list(offered)}, the server speaks ${list(supported)}`,
      [...offered],
      [...supported],
      hint,
    ),
  };
}

/** The `error` message that reports `error` to a peer: its stable code and its message. */
export function toErrorMessage(
  error: Pick<RunyardError, "code" | "message" | "hint">,
): ErrorMessage {
  const message = error.hint === undefined ? error.message : `${error.message} (${error.hint})`;
  return { type: "error", code: error.code, message };
}
