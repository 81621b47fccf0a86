// Protocol version negotiation: the highest version both sides speak.
import { PROTOCOL_VERSIONS } from "@runyard/protocol";

export function negotiateVersion(
  clientVersions: readonly number[],
  serverVersions: readonly number[] = PROTOCOL_VERSIONS,
): number | undefined {
  const common = clientVersions.filter((version) => serverVersions.includes(version));
  return common.length === 0 ? undefined : Math.max(...common);
}
