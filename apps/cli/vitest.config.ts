import { runyardProject } from "@runyard/vitest-config";

export default runyardProject("cli");
