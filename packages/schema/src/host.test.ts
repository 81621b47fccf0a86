import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { HOSTNAME_ENV, shortHostname } from "./host.js";

describe("shortHostname", () => {
  it("is the host name up to its first dot", () => {
    expect(shortHostname({})).toBe(hostname().split(".")[0]);
    expect(shortHostname({})).not.toContain(".");
  });

  it("is RUNYARD_HOSTNAME when that is set, so tests can play two login nodes", () => {
    expect(shortHostname({ [HOSTNAME_ENV]: "login02" })).toBe("login02");
    expect(shortHostname({ [HOSTNAME_ENV]: " login02 " })).toBe("login02");
    expect(shortHostname({ [HOSTNAME_ENV]: "  " })).toBe(shortHostname({}));
    expect(shortHostname({ [HOSTNAME_ENV]: "login02.cluster.example" })).toBe("login02");
  });
});
