// The script as text: bash reads all of it, the runtime holds no `\${` left over from its
// TypeScript form, and the same workflow gives the same script.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadWorkflowFile } from "@runyard/schema";
import { afterAll, describe, expect, it } from "vitest";
import { exportBash } from "./generate.js";
import { PRELUDE, RUNTIME } from "./runtime.js";
import { SHIM } from "./shim.js";

const directory = mkdtempSync(join(tmpdir(), "runyard-generate-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe("exportBash", () => {
  it("writes a script bash can read, the same each time", async () => {
    const file = join(directory, "wf.yaml");
    writeFileSync(
      file,
      `params:
  mesh: { default: fine }
steps:
  a:
    run: echo a
  b:
    needs: a
    foreach: { file: "\${RUNYARD_RUN_DIR}/\${mesh}.txt" }
    env: { X: "1" }
    run: echo "$RUNYARD_ITEM"
`,
    );
    const workflow = await loadWorkflowFile(file);
    const script = exportBash(workflow, { params: { mesh: "fine" }, version: "test" });
    expect(exportBash(workflow, { params: { mesh: "fine" }, version: "test" })).toBe(script);
    // The item file's path, cut around the run directory, the param put in.
    expect(script).toContain("_ry_file_segments+=('' '/fine.txt')");
    const path = join(directory, "wf.sh");
    writeFileSync(path, script);
    const check = spawnSync("bash", ["-n", path], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  it("keeps bash's own text whole", () => {
    for (const text of [PRELUDE, RUNTIME, SHIM]) {
      expect(text).not.toContain("\\${");
      expect(text).toContain("${");
    }
    const check = spawnSync("bash", ["-n"], { input: SHIM, encoding: "utf8" });
    expect(check.status, check.stderr).toBe(0);
  });
});
