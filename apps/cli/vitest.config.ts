import { runyardProject } from "@runyard/vitest-config";

export default runyardProject("cli", { test: { globalSetup: ["test/global-setup.ts"] } });
