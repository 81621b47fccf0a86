// A file of this package by its path from the package's root: beside src/ when run from source
// (tests), else found through the package — not beside the module asking, which a front end
// may have bundled into its own files (the CLI does), far from the package's directory.
import { fileURLToPath } from "node:url";

export function packageFile(path: string): string {
  return fileURLToPath(
    import.meta.url.endsWith(".ts")
      ? new URL(`../${path}`, import.meta.url)
      : new URL(path, import.meta.resolve("@runyard/executor/package.json")),
  );
}
