import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_RETENTION_POLICY } from "@runyard/schema";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/helpers.js";
import { findRetentionPolicy } from "./load-user-config.js";

describe("findRetentionPolicy", () => {
  it("takes the config's retention block, the default without one, and names a broken one", async () => {
    const home = temporaryDirectory();
    const env = { RUNYARD_HOME: home };
    expect(await findRetentionPolicy({ env })).toEqual({
      policy: DEFAULT_RETENTION_POLICY,
      configFile: null,
    });
    const file = join(home, "config.yaml");
    writeFileSync(file, "runsDir: runs\n");
    expect((await findRetentionPolicy({ env })).configFile).toBeNull();
    writeFileSync(file, "retention:\n  failed: 30d\n");
    expect(await findRetentionPolicy({ env })).toEqual({
      policy: {
        ...DEFAULT_RETENTION_POLICY,
        failed: { action: "delete", afterMs: 30 * 86_400_000, setting: "30d" },
      },
      configFile: file,
    });
    writeFileSync(file, "retention:\n  failed: monthly\n");
    await expect(findRetentionPolicy({ env })).rejects.toMatchObject({
      code: "E_CONFIG_INVALID",
      message: `${file}:2:11: retention.failed: expected keep, delete or a duration such as "7d" or "12h", found "monthly"`,
    });
  });
});
