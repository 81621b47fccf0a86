// Scratch directories for tests: each call makes a fresh temp directory, and every one made
// during a test is removed (recursively) after that test, pass or fail.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

/**
 * Call at the top level of a test file (or a helper module it imports). Returns the factory:
 * `const temporaryDirectory = useScratchDirectory("ry-ipc-")`, then `temporaryDirectory()`
 * in a test or a beforeEach. Keep `prefix` short where socket paths must fit (~107 bytes).
 * @param {string} prefix start of the directory's name under the system temp directory
 * @returns {() => string} makes a directory and returns its absolute path
 */
export function useScratchDirectory(prefix) {
  /** @type {string[]} */
  const made = [];
  afterEach(() => {
    for (const directory of made.splice(0)) rmSync(directory, { recursive: true, force: true });
  });
  return () => {
    const directory = mkdtempSync(join(tmpdir(), prefix));
    made.push(directory);
    return directory;
  };
}
