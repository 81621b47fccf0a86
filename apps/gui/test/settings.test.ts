// GET and PUT /api/settings on a real $RUNYARD_HOME: the defaults before anything is saved,
// a save kept in gui.json (0600, its directory 0700), and a gui.json that cannot be used
// answered with the defaults and what is wrong with it.
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type GuiServer, GuiSettingsResponseSchema, startGuiServer } from "../src/index.js";

let scratch: string;
let home: string;
let gui: GuiServer;

async function call(method: "GET" | "PUT", body?: unknown) {
  const response = await fetch(`http://127.0.0.1:${gui.port}/api/settings`, {
    method,
    headers: { authorization: `Bearer ${gui.token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "runyard-gui-settings-"));
  home = join(scratch, "home", ".runyard");
  gui = await startGuiServer({
    runsRoot: join(scratch, "runs"),
    env: { ...process.env, RUNYARD_HOME: home },
  });
});

beforeEach(() => {
  rmSync(join(scratch, "home"), { recursive: true, force: true });
});

afterAll(async () => {
  await gui?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const file = () => join(home, "gui.json");
const DEFAULTS = { cleanup: { removeSucceeded: true, removeCancelled: true } };

describe("/api/settings", () => {
  it("answers the defaults while nothing was saved", async () => {
    const { status, body } = await call("GET");
    expect(status).toBe(200);
    expect(GuiSettingsResponseSchema.parse(body)).toEqual({
      settings: DEFAULTS,
      file: file(),
      problems: [],
    });
  });

  it("keeps what was put in $RUNYARD_HOME/gui.json, 0600 in a 0700 directory", async () => {
    const put = await call("PUT", { cleanup: { removeSucceeded: false } });
    expect(put.status).toBe(200);
    const saved = { cleanup: { removeSucceeded: false, removeCancelled: true } };
    expect(put.body).toEqual({ settings: saved, file: file(), problems: [] });
    expect((await call("GET")).body).toEqual({ settings: saved, file: file(), problems: [] });
    expect(JSON.parse(readFileSync(file(), "utf8"))).toEqual(saved);
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    expect(statSync(home).mode & 0o777).toBe(0o700);
  });

  it("refuses unknown fields and values of the wrong type, and changes nothing", async () => {
    for (const body of [
      { cleanup: { removeSucceeded: "no" } },
      { cleanup: { removeFailed: true } },
      { theme: "dark" },
    ]) {
      const answer = await call("PUT", body);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: "E_BAD_REQUEST" } });
    }
    expect(() => statSync(file())).toThrow();
  });

  it("answers the defaults, and names the file, when gui.json cannot be used", async () => {
    mkdirSync(home, { recursive: true });
    const cases: [string | (() => void), string][] = [
      ["{ not json", "not JSON"],
      [JSON.stringify({ cleanup: { removeSucceeded: 1 } }), "removeSucceeded"],
      [
        () => {
          mkdirSync(file());
        },
        "directory",
      ],
    ];
    for (const [content, words] of cases) {
      rmSync(file(), { recursive: true, force: true });
      if (typeof content === "string") writeFileSync(file(), content);
      else content();
      const { status, body } = await call("GET");
      expect(status).toBe(200);
      const answer = GuiSettingsResponseSchema.parse(body);
      expect(answer.settings).toEqual(DEFAULTS);
      expect(answer.problems.join("\n")).toContain(file());
      expect(answer.problems.join("\n")).toContain(words);
    }
    // A save replaces an unusable file.
    rmSync(file(), { recursive: true, force: true });
    writeFileSync(file(), "{ not json");
    chmodSync(file(), 0o644);
    expect((await call("PUT", {})).body).toEqual({
      settings: DEFAULTS,
      file: file(),
      problems: [],
    });
    expect(statSync(file()).mode & 0o777).toBe(0o600);
  });

  it("replaces a gui.json that links elsewhere, leaving its target alone", async () => {
    mkdirSync(home, { recursive: true });
    const outside = join(scratch, "outside.json");
    writeFileSync(outside, "{}");
    symlinkSync(outside, file());
    expect((await call("PUT", {})).status).toBe(200);
    expect(lstatSync(file()).isFile()).toBe(true);
    expect(readFileSync(outside, "utf8")).toBe("{}");
  });

  it("refuses to save over a gui.json that is a directory, saying so", async () => {
    mkdirSync(file(), { recursive: true });
    const { status, body } = await call("PUT", {});
    expect(status).toBe(409);
    expect(body).toMatchObject({ error: { code: "E_SETTINGS_FILE" } });
    expect(JSON.stringify(body)).toContain(`${file()} is a directory`);
    expect(statSync(file()).isDirectory()).toBe(true);
  });
});
