// The executor's version, recorded in meta.json: read from this package's manifest, which sits
// one directory above both src/ (tests) and dist/ (the build) — found through the package when
// this module was bundled into another's files (the CLI's).
import { readFileSync } from "node:fs";

export function executorVersion(): string {
  try {
    const manifest = JSON.parse(
      readFileSync(
        import.meta.url.endsWith(".ts")
          ? new URL("../package.json", import.meta.url)
          : new URL(import.meta.resolve("@runyard/executor/package.json")),
        "utf8",
      ),
    );
    return typeof manifest.version === "string" ? manifest.version : "unknown";
  } catch {
    // Bundled somewhere without its manifest: the version is merely unknown.
    return "unknown";
  }
}
