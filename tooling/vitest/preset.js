// Shared vitest preset: every project resolves workspace packages to their TypeScript
// sources through the "@runyard/source" export condition, so tests never need a build.
import { defineProject } from "vitest/config";

const conditions = ["@runyard/source", "module", "node", "development|production"];

/**
 * @param {string} name project name shown in the report
 * @param {import("vitest/config").UserProjectConfigExport & object} [overrides]
 */
export function runyardProject(name, overrides = {}) {
  const { test = {}, ...rest } = overrides;
  return defineProject({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ["@runyard/source"] } },
    ...rest,
    test: {
      name,
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      environment: "node",
      // A timeout catches a hang, not slowness: many tests start real processes, and a loaded
      // CI machine has run them 6-7 times slower than a quiet one (a test that measures
      // time belongs in bench/).
      testTimeout: 60_000,
      hookTimeout: 60_000,
      ...test,
    },
  });
}
