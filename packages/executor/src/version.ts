// The executor's version, recorded in meta.json: read from this package's manifest, which sits
// one directory above both src/ (tests) and dist/ (the build).
import { readFileSync } from "node:fs";

export function executorVersion(): string {
  try {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    return typeof manifest.version === "string" ? manifest.version : "unknown";
  } catch {
    // Bundled somewhere without its manifest: the version is merely unknown.
    return "unknown";
  }
}
