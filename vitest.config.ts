// One `vitest run` at the root covers every package. In CI the JSON report is the
// source of the closing "N passed, N failed" line that .ci/run prints.
import { defineConfig } from "vitest/config";

const reportFile = process.env.RUNYARD_TEST_REPORT;

export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*", "tooling/*", "tests/*"],
    reporters: reportFile ? ["default", ["json", { outputFile: reportFile }]] : ["default"],
  },
});
