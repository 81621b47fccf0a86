import { describe, expect, it } from "vitest";
import { negotiateProtocolVersion, PROTOCOL_VERSIONS, toErrorMessage } from "./index.js";

describe("negotiateProtocolVersion", () => {
  it("picks the highest version both sides speak", () => {
    expect(negotiateProtocolVersion([1, 2, 3], [2, 3, 4])).toEqual({ ok: true, version: 3 });
    expect(negotiateProtocolVersion([3, 1], [1, 3])).toEqual({ ok: true, version: 3 });
    expect(negotiateProtocolVersion([...PROTOCOL_VERSIONS])).toEqual({ ok: true, version: 1 });
  });

  it("tells an old client to upgrade, with a stable code", () => {
    const result = negotiateProtocolVersion([1], [2, 3]);
    if (result.ok) throw new Error("expected no common version");
    expect(result.error.code).toBe("E_PROTOCOL_VERSION");
    expect(result.error.message).toBe(
      "no common protocol version: the client speaks 1, the server speaks 2, 3",
    );
    expect(toErrorMessage(result.error)).toEqual({
      type: "error",
      code: "E_PROTOCOL_VERSION",
      message:
        "no common protocol version: the client speaks 1, the server speaks 2, 3 (upgrade the client (or use a runyard as old as the executor))",
    });
  });

  it("tells to upgrade the executor's side when the client is newer", () => {
    const result = negotiateProtocolVersion([4, 5], [1, 2]);
    expect(result.ok ? undefined : result.error.hint).toBe(
      "upgrade runyard on the host that runs the executor",
    );
  });

  it("answers an empty offer with an error, not a crash", () => {
    const result = negotiateProtocolVersion([], [1]);
    expect(result.ok ? undefined : result.error.message).toBe(
      "no common protocol version: the client speaks none, the server speaks 1",
    );
  });
});
