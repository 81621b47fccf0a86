import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatProblem } from "./errors.js";
import { loadUserConfig, parseUserConfig, userConfigPath } from "./user-config.js";

const scratch: string[] = [];
afterEach(() => {
  for (const directory of scratch.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe("user config", () => {
  it("is found at $RUNYARD_CONFIG, then $RUNYARD_HOME/config.yaml, then ~/.runyard/config.yaml", () => {
    const homeDirectory = "/home/ada";
    expect(
      userConfigPath({
        env: { RUNYARD_CONFIG: "/etc/ry.yaml", RUNYARD_HOME: "/x" },
        homeDirectory,
      }),
    ).toBe("/etc/ry.yaml");
    expect(userConfigPath({ env: { RUNYARD_HOME: "/scratch/ada/runyard" }, homeDirectory })).toBe(
      "/scratch/ada/runyard/config.yaml",
    );
    expect(userConfigPath({ env: {}, homeDirectory })).toBe("/home/ada/.runyard/config.yaml");
  });

  it("resolves runsDir against the config file's directory and expands ~", () => {
    const file = "/home/ada/.runyard/config.yaml";
    const parse = (text: string) => parseUserConfig(text, file, "/home/ada");
    expect(parse("runsDir: ../scratch/runs\n")).toEqual({
      ok: true,
      config: { runsDir: "/home/ada/scratch/runs" },
    });
    expect(parse("runsDir: ~/work/runs\n")).toEqual({
      ok: true,
      config: { runsDir: "/home/ada/work/runs" },
    });
    expect(parse("runsDir: /lustre/ada/runs\n")).toEqual({
      ok: true,
      config: { runsDir: "/lustre/ada/runs" },
    });
    expect(parse("# nothing set yet\n")).toEqual({ ok: true, config: {} });
  });

  it("names the file, the line and the key when the config is wrong", () => {
    const file = "/home/ada/.runyard/config.yaml";
    const report = (text: string) => {
      const result = parseUserConfig(text, file, "/home/ada");
      return result.ok ? [] : result.problems.map((problem) => formatProblem(file, problem));
    };
    expect(report("# mine\nrunDir: /x\n")).toEqual([
      `${file}:2:1: runDir: unknown key "runDir" (did you mean "runsDir"?)`,
    ]);
    expect(report("runsDir: 42\n")).toEqual([
      `${file}:1:10: runsDir: expected a string, found the number 42 (put it in quotes to make it a string)`,
    ]);
    expect(report("runsDir: [unclosed\n")[0]).toMatch(
      /^\/home\/ada\/\.runyard\/config\.yaml:\d+:\d+: /,
    );
  });

  it("loads a missing file as an empty config and a broken one as an error", async () => {
    const directory = mkdtempSync(join(tmpdir(), "runyard-config-"));
    scratch.push(directory);
    expect(await loadUserConfig({ env: { RUNYARD_HOME: directory } })).toEqual({
      path: join(directory, "config.yaml"),
      exists: false,
      config: {},
    });
    writeFileSync(join(directory, "config.yaml"), "runsDir: runs\n");
    expect((await loadUserConfig({ env: { RUNYARD_HOME: directory } })).config).toEqual({
      runsDir: join(directory, "runs"),
    });
    writeFileSync(join(directory, "config.yaml"), "runsdir: runs\n");
    await expect(loadUserConfig({ env: { RUNYARD_HOME: directory } })).rejects.toMatchObject({
      code: "E_CONFIG_INVALID",
      message: `${join(directory, "config.yaml")}:1:1: runsdir: unknown key "runsdir" (did you mean "runsDir"?)`,
    });
  });
});
