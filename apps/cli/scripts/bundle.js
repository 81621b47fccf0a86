// Bundles the `runyard` program (dist/bin.js, as tsc built it) with everything it imports — the
// workspace packages, zod, yaml, uuid — into dist/bundle/: runyard.js and one file per part a
// command loads when it runs (the command table's lazy imports become separate chunks, so
// `--version` still loads almost nothing). Node then reads and links a few files instead of
// hundreds: `runyard ps` starts about 100 ms sooner, `runyard run` too (docs/performance.md).
// dist/ keeps tsc's files for the package's library exports. dist/step-bin/ holds only a
// `runyard` launcher of the bundle: the directory `runyard run` puts first on its steps' PATH
// (launch.json's binDirectory), so that `runyard log` in a step is this runyard.
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
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

// No extension: the command steps type is `runyard`. Node reads it as an ES module (the
// package's "type": "module"); a symbolic link would do as well but npm does not pack links.
const stepBin = fileURLToPath(new URL("../dist/step-bin/", import.meta.url));
rmSync(stepBin, { recursive: true, force: true });
mkdirSync(stepBin, { recursive: true });
writeFileSync(`${stepBin}runyard`, '#!/usr/bin/env node\nimport "../bundle/runyard.js";\n', {
  mode: 0o755,
});
chmodSync(`${stepBin}runyard`, 0o755);

// The GUI's browser client, as Vite built it: `runyard gui` serves it from here, so the
// installed package needs nothing else (and nothing from the network) at run time.
const guiClient = fileURLToPath(new URL("../../gui/dist/client/", import.meta.url));
const guiTarget = fileURLToPath(new URL("../dist/gui-client/", import.meta.url));
rmSync(guiTarget, { recursive: true, force: true });
if (!existsSync(`${guiClient}index.html`)) {
  throw new Error(`the GUI's client is not built (${guiClient}): build @runyard/gui first`);
}
cpSync(guiClient, guiTarget, { recursive: true });
