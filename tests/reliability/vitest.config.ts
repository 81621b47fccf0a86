import { runyardProject } from "@runyard/vitest-config";

// The suites drive the built CLI and executor as real processes; the global setup builds them.
// Their files run one at a time: each loads the machine on purpose (kills, floods, limits), and
// two at once on a 2-core machine would measure each other rather than Runyard.
export default runyardProject("reliability", {
  test: {
    globalSetup: ["test/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
  },
});
