// The suites run the real `runyard` binary and `runyard-executor`: build them (and what they
// import) first. turbo's cache makes this a no-op when nothing changed.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const root = fileURLToPath(new URL("../../..", import.meta.url));
  execFileSync(
    "pnpm",
    ["-s", "turbo", "run", "build", "--filter=runyard...", "--output-logs=errors-only"],
    { cwd: root, stdio: ["ignore", process.stderr, "inherit"] },
  );
}
