// Where the `runyard` launcher for steps is: dist/step-bin/ of this package, made by
// scripts/bundle.js and holding nothing else. `runyard run` hands it to the executor
// (launch.json's binDirectory), which puts it first on every step's PATH.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The launcher's directory, or undefined when this build has none (tsc's alone). */
export function stepBinDirectory(): string | undefined {
  const directory = fileURLToPath(
    new URL("dist/step-bin", import.meta.resolve("runyard/package.json")),
  );
  return existsSync(join(directory, "runyard")) ? directory : undefined;
}

/**
 * The GUI's browser client as scripts/bundle.js copies it into this package (dist/gui-client/),
 * so that an installed `runyard gui` serves it; undefined before that copy (the GUI package's
 * own build is used then).
 */
export function guiClientDirectory(): string | undefined {
  const directory = fileURLToPath(
    new URL("dist/gui-client", import.meta.resolve("runyard/package.json")),
  );
  return existsSync(join(directory, "index.html")) ? directory : undefined;
}
