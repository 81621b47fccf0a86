// Bundles the `runyard` program (dist/bin.js, as tsc built it) with everything it imports — the
// workspace packages, zod, yaml, uuid — into dist/bundle/: runyard.js and one file per part a
// command loads when it runs (the command table's lazy imports become separate chunks, so
// `--version` still loads almost nothing). Node then reads and links a few files instead of
// hundreds: `runyard ps` starts about 100 ms sooner, `runyard run` too (docs/performance.md).
// dist/ keeps tsc's files for the package's library exports.
import { chmodSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "rolldown";

const entry = fileURLToPath(new URL("../dist/bin.js", import.meta.url));
const dir = fileURLToPath(new URL("../dist/bundle/", import.meta.url));
rmSync(dir, { recursive: true, force: true });
await build({
  input: { runyard: entry },
  platform: "node",
  logLevel: "warn",
  output: {
    dir,
    format: "esm",
    sourcemap: true,
    entryFileNames: "[name].js",
    chunkFileNames: "[name]-[hash].js",
  },
});
chmodSync(`${dir}runyard.js`, 0o755);
