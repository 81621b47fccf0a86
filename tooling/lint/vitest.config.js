import { runyardProject } from "@runyard/vitest-config";

export default runyardProject("lint", { test: { include: ["*.test.js"] } });
