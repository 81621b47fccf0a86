// Bundles the executor's program (dist/executor-bin.js, as tsc built it) with everything it
// imports — the workspace packages, zod, yaml, uuid — into one file, dist/executor.bundle.js,
// the file launchRun starts and the `runyard-executor` bin. Node then reads and links one
// module instead of ~300: the executor's start-up, which every run waits for, falls from about
// 240 ms to about 120 ms on the development machine (`node -e 0`: 70 ms). See
// docs/performance.md. It stays in dist/ beside the other files, so the paths it finds relative
// to itself (the watchdog's program, the step spawner, package.json) are the same.
import { chmodSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const entry = fileURLToPath(new URL("../dist/executor-bin.js", import.meta.url));
const file = fileURLToPath(new URL("../dist/executor.bundle.js", import.meta.url));
await build({
  input: entry,
  platform: "node",
  logLevel: "warn",
  output: { file, format: "esm", sourcemap: true },
});
chmodSync(file, 0o755);
