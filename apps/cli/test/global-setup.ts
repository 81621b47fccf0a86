// The CLI tests run the real `runyard` binary, which is the built dist/bundle/runyard.js: build
// it (and what it imports) first. turbo's cache makes this a no-op when nothing changed.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  execFileSync(
    "pnpm",
    ["-s", "turbo", "run", "build", "--filter=runyard...", "--output-logs=errors-only"],
    {
      cwd: root,
      stdio: ["ignore", process.stderr, "inherit"],
    },
  );
}
