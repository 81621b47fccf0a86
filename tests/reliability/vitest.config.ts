import { runyardProject } from "@runyard/vitest-config";

// The suites drive the built CLI and executor as real processes; the global setup builds them.
// They run after every other project (groupOrder 1), one file at a time: each loads the
// machine on purpose (kills, floods, limits) and some promise times (no step alive 2 s after a
// crash), so they must neither disturb the other tests nor measure them.
export default runyardProject("reliability", {
  test: {
    globalSetup: ["test/global-setup.ts"],
    fileParallelism: false,
    sequence: { groupOrder: 1 },
    testTimeout: 120_000,
  },
});
