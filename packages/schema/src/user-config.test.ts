import { execFileSync } from "node:child_process";
import { chmodSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useScratchDirectory } from "@runyard/vitest-config/scratch";
import { withoutPrivileges } from "@runyard/vitest-config/unprivileged";
import { describe, expect, it } from "vitest";
import { formatProblem } from "./errors.js";
import { loadUserConfig, UserConfigReadError, userConfigPath } from "./user-config.js";
import { parseUserConfig } from "./user-config-parse.js";

const temporaryDirectory = useScratchDirectory("runyard-config-");

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
    const directory = temporaryDirectory();
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

  it("refuses a $RUNYARD_CONFIG that names no file, but not a missing default one", async () => {
    const directory = temporaryDirectory();
    const missing = join(directory, "nope", "x.yaml");
    const error = await loadUserConfig({
      env: { RUNYARD_CONFIG: missing, RUNYARD_HOME: directory },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserConfigReadError);
    expect(error).toMatchObject({
      code: "E_CONFIG_READ",
      message: `cannot read config ${missing}: no such file`,
      hint: `create ${missing}, or unset RUNYARD_CONFIG to use the default config`,
    });
    // Set but empty counts as unset: the default location, where missing is fine.
    expect(await loadUserConfig({ env: { RUNYARD_CONFIG: "", RUNYARD_HOME: directory } })).toEqual({
      path: join(directory, "config.yaml"),
      exists: false,
      config: {},
    });
  });

  it("reports a config that is not UTF-8 at the byte, instead of reading U+FFFD into runsDir", async () => {
    const directory = temporaryDirectory();
    const file = join(directory, "config.yaml");
    // Latin-1 "é": read leniently, it would have become a runs root with U+FFFD in it.
    writeFileSync(file, Buffer.from([...Buffer.from("runsDir: /scratch/ren"), 0xe9, 0x0a]));
    await expect(loadUserConfig({ env: { RUNYARD_CONFIG: file } })).rejects.toMatchObject({
      code: "E_CONFIG_INVALID",
      message: `${file}:1:22: the file is not UTF-8 text: byte 0xE9 is not valid UTF-8 here; save the file as UTF-8`,
    });
    writeFileSync(file, Buffer.from("runsDir: runs\n", "utf16le"));
    await expect(loadUserConfig({ env: { RUNYARD_CONFIG: file } })).rejects.toMatchObject({
      code: "E_CONFIG_INVALID",
      message: `${file}:1:1: the file is UTF-16; save it as UTF-8`,
    });
  });

  it("names the config when it is a directory, a device, a pipe or too large", async () => {
    const directory = temporaryDirectory();
    const load = (path: string) => loadUserConfig({ env: { RUNYARD_CONFIG: path } });
    const error = await load(directory).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserConfigReadError);
    expect(error).toMatchObject({
      code: "E_CONFIG_READ",
      message: `cannot read config ${directory}: it is a directory`,
      hint: `fix or remove ${directory}, or point RUNYARD_CONFIG at another file`,
    });
    await expect(load("/dev/zero")).rejects.toMatchObject({
      code: "E_CONFIG_READ",
      message: "cannot read config /dev/zero: not a regular file (a character device)",
    });
    const fifo = join(directory, "config.fifo");
    execFileSync("mkfifo", [fifo]);
    await expect(load(fifo)).rejects.toMatchObject({
      message: `cannot read config ${fifo}: not a regular file (a named pipe)`,
    });
    const big = join(directory, "big.yaml");
    writeFileSync(big, "runsDir: runs\n");
    truncateSync(big, 20 * 1024 * 1024);
    await expect(load(big)).rejects.toMatchObject({
      code: "E_CONFIG_READ",
      message: `cannot read config ${big}: the file is larger than the 10 MiB limit (20 MiB)`,
    });
  });

  it("names the config it may not read", async () => {
    const directory = temporaryDirectory();
    const file = join(directory, "config.yaml");
    writeFileSync(file, "runsDir: runs\n");
    chmodSync(directory, 0o755);
    chmodSync(file, 0o000);
    const load = () => loadUserConfig({ env: { RUNYARD_CONFIG: file } });
    await expect(withoutPrivileges(load)).rejects.toMatchObject({
      code: "E_CONFIG_READ",
      message: `cannot read config ${file}: permission denied`,
    });
  });
});
