import { runyardProject } from "@runyard/vitest-config";

// client/*.test.ts test the browser client's logic (its model, its layout) under Node.
export default runyardProject("gui", {
  test: { include: ["src/**/*.test.ts", "test/**/*.test.ts", "client/**/*.test.ts"] },
});
