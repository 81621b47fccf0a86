import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { HOSTNAME_ENV, shortHostname } from "./process-identity.js";

describe("shortHostname", () => {
  it("is the system's host name up to the first dot", () => {
    const system = hostname().split(".")[0] || hostname();
    expect(shortHostname({})).toBe(system);
    expect(shortHostname({ [HOSTNAME_ENV]: "" })).toBe(system);
  });

  it("takes $RUNYARD_HOSTNAME instead, shortened the same way", () => {
    expect(shortHostname({ RUNYARD_HOSTNAME: "login02" })).toBe("login02");
    expect(shortHostname({ RUNYARD_HOSTNAME: "login02.cluster.example" })).toBe("login02");
  });
});
