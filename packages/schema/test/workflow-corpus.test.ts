// The broken-workflow corpus: every file under fixtures/workflows/broken/ must fail to load
// with exactly the messages in its sibling `<file>.expected` (formatted as the CLI prints
// them: `file:line:column: path: message`, one per line, in document order).
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatProblem, parseWorkflow } from "@runyard/schema";
import { describe, expect, it } from "vitest";

const directory = fileURLToPath(new URL("./fixtures/workflows/broken/", import.meta.url));
const entries = readdirSync(directory).sort();
const workflows = entries.filter((name) => !name.endsWith(".expected"));

describe("broken workflow corpus", () => {
  it("has at least 20 workflows, each with its .expected file and no stray .expected", () => {
    expect(workflows.length).toBeGreaterThanOrEqual(20);
    const expectedFiles = entries.filter((name) => name.endsWith(".expected"));
    expect(expectedFiles).toEqual(workflows.map((name) => `${name}.expected`));
  });

  for (const name of workflows) {
    it(`${name} reports exactly its .expected messages`, () => {
      const bytes = new Uint8Array(readFileSync(`${directory}${name}`));
      const result = parseWorkflow(bytes, `${directory}${name}`);
      const actual = result.ok
        ? "(loaded without problems)\n"
        : `${result.problems.map((problem) => formatProblem(name, problem)).join("\n")}\n`;
      expect(actual).toBe(readFileSync(`${directory}${name}.expected`, "utf8"));
      // Every problem, of every kind, says where it is.
      const unplaced = result.ok
        ? []
        : result.problems.filter((problem) => !problem.line || !problem.column);
      expect(unplaced).toEqual([]);
    });
  }
});
