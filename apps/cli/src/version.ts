// The CLI's version, read once from its package.json so it never drifts from the release:
// beside src/ and dist/, found through the package from the bundle (dist/bundle/).
import { readFileSync } from "node:fs";

const manifestUrl = import.meta.url.endsWith(".ts")
  ? new URL("../package.json", import.meta.url)
  : new URL(import.meta.resolve("runyard/package.json"));
const manifest = JSON.parse(readFileSync(manifestUrl, "utf8")) as { version: string };

export const VERSION: string = manifest.version;
