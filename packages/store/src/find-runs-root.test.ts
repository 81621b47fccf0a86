import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/helpers.js";
import { findRunsRoot } from "./find-runs-root.js";

function setting() {
  const directory = temporaryDirectory();
  const home = join(directory, "home");
  const runyardHome = join(directory, "runyard-home");
  mkdirSync(runyardHome);
  return { directory, home, runyardHome };
}

describe("findRunsRoot", () => {
  it("takes the flag, then RUNYARD_RUNS_DIR, then the config, then RUNYARD_HOME, then ~", async () => {
    const { directory, home, runyardHome } = setting();
    const cwd = directory;
    const env: Record<string, string> = { RUNYARD_HOME: runyardHome };
    const find = (flag?: string) =>
      findRunsRoot({ env, cwd, homeDirectory: home, ...(flag === undefined ? {} : { flag }) });

    expect(await findRunsRoot({ env: {}, cwd, homeDirectory: home })).toEqual({
      path: join(home, ".runyard", "runs"),
      source: "default",
      configFile: null,
    });
    expect(await find()).toMatchObject({ path: join(runyardHome, "runs"), source: "home" });
    writeFileSync(join(runyardHome, "config.yaml"), "runsDir: ../from-config\n");
    expect(await find()).toEqual({
      path: join(directory, "from-config"),
      source: "config",
      configFile: join(runyardHome, "config.yaml"),
    });
    env.RUNYARD_RUNS_DIR = "from-env";
    expect(await find()).toMatchObject({ path: join(cwd, "from-env"), source: "env" });
    expect(await find("flagged")).toEqual({
      path: join(cwd, "flagged"),
      source: "flag",
      configFile: null,
    });
  });

  it("refuses an empty flag rather than using the working directory", async () => {
    await expect(findRunsRoot({ env: {}, flag: "" })).rejects.toMatchObject({
      code: "E_RUNS_ROOT_EMPTY",
    });
  });

  it("names a config file that cannot be read, and reads none when it need not", async () => {
    const { directory, home } = setting();
    const env = { RUNYARD_CONFIG: directory };
    await expect(findRunsRoot({ env, homeDirectory: home })).rejects.toMatchObject({
      code: "E_CONFIG_READ",
      message: `cannot read config ${directory}: it is a directory`,
    });
    expect(
      await findRunsRoot({ env: { ...env, RUNYARD_RUNS_DIR: "/runs" }, homeDirectory: home }),
    ).toMatchObject({ path: "/runs", source: "env" });
  });
});
