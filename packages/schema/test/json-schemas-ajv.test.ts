// An independent validator (ajv, JSON Schema 2020-12) judges the same documents as the zod
// schemas, using only the JSON Schema files committed under packages/schema/schemas/: what an
// integrator in another language would do.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import * as formats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  DETAILED_STATUS,
  MALFORMED_META,
  MALFORMED_STATUS,
  RUNNING_META,
  SEED_META,
  SEED_STATUS,
} from "./run-file-cases.js";

const schemas = new URL("../schemas/", import.meta.url);
const fixtures = new URL("./fixtures/workflows/", import.meta.url);

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
formats.default(ajv);
const files = readdirSync(schemas).filter((name) => name.endsWith(".json"));
for (const name of files) ajv.addSchema(JSON.parse(readFileSync(new URL(name, schemas), "utf8")));

function validator(fileName: string) {
  const id = `https://raw.githubusercontent.com/runyard/runyard/main/packages/schema/schemas/${fileName}`;
  const validate = ajv.getSchema(id);
  if (validate === undefined) throw new Error(`no schema with $id ${id}`);
  return (document: unknown) => ({ valid: validate(document), errors: validate.errors ?? [] });
}

const yamlFixture = (path: string) =>
  parseYaml(readFileSync(fileURLToPath(new URL(path, fixtures)), "utf8"), { uniqueKeys: false });

describe("ajv with the committed JSON Schemas", () => {
  it("loads exactly the launch, meta, status, trusted and workflow schemas, each compiling in strict mode", () => {
    expect(files.sort()).toEqual([
      "launch.schema.json",
      "meta.schema.json",
      "status.schema.json",
      "trusted.schema.json",
      "workflow.schema.json",
    ]);
  });

  describe("launch.schema.json", () => {
    const validate = validator("launch.schema.json");
    const launch = {
      schemaVersion: 1,
      runId: "019ab3c2-5e1f-7a40-9c3d-0123456789ab",
      workflowFile: "/home/ada/flows/align.yaml",
      workflowPath: "flows/align.yaml",
      cwd: "/home/ada",
      env: { PATH: "/usr/bin:/bin", MODULEPATH: "/opt/modules" },
      params: [
        ["sample", "NA12878"],
        ["__proto__", "x"],
      ],
      maxParallel: 4,
      killGraceMs: 5000,
      launchedBy: { client: "runyard-cli/0.1.0", pid: 4242, host: "login01" },
      createdAt: "2026-06-05T14:23:00.000Z",
    };

    it("accepts a launch record, with params as pairs in the order given", () => {
      expect(validate(launch)).toEqual({ valid: true, errors: [] });
      expect(validate({ ...launch, holdStartMs: 5000 }).valid).toBe(true);
    });

    it("accepts resolved hooks, and refuses an event no hook runs on", () => {
      const hook = {
        name: "notify",
        on: ["step-failed", "run-end"],
        run: "notify-send runyard",
        timeoutMs: 10_000,
        cwd: "/home/ada/.runyard",
        source: "/home/ada/.runyard/config.yaml",
      };
      expect(validate({ ...launch, hooks: [hook], hooksParallel: 4 }).valid).toBe(true);
      expect(validate({ ...launch, hooks: [{ ...hook, on: ["step-output"] }] }).valid).toBe(false);
      expect(validate({ ...launch, hooks: [{ ...hook, timeout: "10s" }] }).valid).toBe(false);
    });

    it("rejects params as an object, a missing environment, and fields it does not know", () => {
      expect(validate({ ...launch, params: { sample: "NA12878" } }).valid).toBe(false);
      const { env: _env, ...withoutEnv } = launch;
      expect(validate(withoutEnv).valid).toBe(false);
      expect(validate({ ...launch, shell: "zsh" }).valid).toBe(false);
    });
  });

  describe("trusted.schema.json", () => {
    const validate = validator("trusted.schema.json");
    const trusted = {
      schemaVersion: 1,
      projects: {
        "/home/ada/flows/.runyard.yaml": {
          sha256: "a".repeat(64),
          trustedAt: "2026-06-05T14:23:00.000Z",
        },
      },
    };

    it("accepts the trusted project configs, each by its SHA-256, and nothing else", () => {
      expect(validate(trusted)).toEqual({ valid: true, errors: [] });
      expect(validate({ schemaVersion: 1, projects: {} }).valid).toBe(true);
      const entry = { sha256: "A".repeat(64), trustedAt: "2026-06-05T14:23:00.000Z" };
      expect(validate({ ...trusted, projects: { "/x/.runyard.yaml": entry } }).valid).toBe(false);
      expect(validate({ ...trusted, extra: true }).valid).toBe(false);
    });
  });

  describe("meta.schema.json", () => {
    const validate = validator("meta.schema.json");

    it("accepts the seed's example, a running run's meta and a cancelled run", () => {
      expect(validate(SEED_META)).toEqual({ valid: true, errors: [] });
      expect(validate(RUNNING_META)).toEqual({ valid: true, errors: [] });
      expect(validate({ ...SEED_META, finalStatus: "cancelled" }).valid).toBe(true);
    });

    for (const testCase of MALFORMED_META) {
      it(`rejects ${testCase.name}`, () => {
        expect(validate(testCase.document).valid).toBe(false);
      });
    }

    it("points at the same field zod names", () => {
      const { errors } = validate({ ...SEED_META, startedAt: "2026-06-05 14:23" });
      expect(errors.map((error) => error.instancePath)).toContain("/startedAt");
    });
  });

  describe("status.schema.json", () => {
    const validate = validator("status.schema.json");

    it("accepts the seed's example and a snapshot with every step detail", () => {
      expect(validate(SEED_STATUS)).toEqual({ valid: true, errors: [] });
      expect(validate(DETAILED_STATUS)).toEqual({ valid: true, errors: [] });
    });

    for (const testCase of MALFORMED_STATUS) {
      it(`rejects ${testCase.name}`, () => {
        expect(validate(testCase.document).valid).toBe(false);
      });
    }
  });

  describe("workflow.schema.json", () => {
    const validate = validator("workflow.schema.json");

    for (const name of ["hello.yaml", "minimal.yaml", "full.yaml", "pipeline.json"]) {
      it(`accepts valid/${name}`, () => {
        expect(validate(yamlFixture(`valid/${name}`))).toEqual({ valid: true, errors: [] });
      });
    }

    // Problems of a single field: the JSON Schema catches them as the loader does.
    for (const name of [
      "backend-typo.yaml",
      "bad-step-ids.yaml",
      "broken.json",
      "invalid-durations.yaml",
      "invalid-id.yaml",
      "many-problems.yaml",
      "merge-key.yaml",
      "missing-run.yaml",
      "missing-steps.yaml",
      "run-as-list.yaml",
      "step-id-too-long.yaml",
      "steps-as-list.yaml",
      "top-level-list.yaml",
      "unknown-defaults-key.yaml",
      "unknown-param-key.yaml",
      "unknown-slurm-key.yaml",
      "unknown-step-keys.yaml",
      "unknown-top-level-key.yaml",
      "wrong-types.yaml",
    ]) {
      it(`rejects broken/${name}`, () => {
        expect(validate(yamlFixture(`broken/${name}`)).valid).toBe(false);
      });
    }

    // Rules across fields are the loader's alone; docs/workflow.md says so.
    for (const name of [
      "cycle.yaml",
      "two-cycles.yaml",
      "self-need.yaml",
      "unknown-needs.yaml",
      "no-steps.yaml",
    ]) {
      it(`accepts broken/${name}, which only the loader rejects`, () => {
        expect(validate(yamlFixture(`broken/${name}`)).valid).toBe(true);
      });
    }
  });
});
