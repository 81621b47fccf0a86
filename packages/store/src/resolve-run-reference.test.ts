import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { temporaryDirectory } from "../test/helpers.js";
import { resolveRunReference, shortRunIds } from "./resolve-run-reference.js";

const older = "01a20217-442a-709a-9dab-f3913390330a";
const newer = "01a20217-8eb1-75e8-b7e7-48da6767735c";

function rootWithRuns(): string {
  const root = temporaryDirectory();
  for (const id of [older, newer]) mkdirSync(join(root, id));
  return root;
}

describe("resolveRunReference", () => {
  it("takes latest, a full id, a unique prefix or a unique suffix", async () => {
    const root = rootWithRuns();
    expect(await resolveRunReference(root, "latest")).toEqual({
      runId: newer,
      directory: join(root, newer),
    });
    expect((await resolveRunReference(root, older)).runId).toBe(older);
    expect((await resolveRunReference(root, "01a20217-8e")).runId).toBe(newer);
    expect((await resolveRunReference(root, "3390330A")).runId).toBe(older);
  });

  it("says which runs an ambiguous reference matches, and refuses what is not an id", async () => {
    const root = rootWithRuns();
    await expect(resolveRunReference(root, "01a2")).rejects.toMatchObject({
      code: "E_RUN_REFERENCE_AMBIGUOUS",
      matches: [newer, older],
    });
    await expect(resolveRunReference(root, "../../etc")).rejects.toMatchObject({
      code: "E_RUN_REFERENCE_INVALID",
      message: 'not a run id: "../../etc"',
    });
    await expect(resolveRunReference(join(root, "none"), "latest")).rejects.toMatchObject({
      code: "E_RUN_NOT_FOUND",
    });
  });

  it("does not follow a symlink or open a file named like a run", async () => {
    const root = temporaryDirectory();
    const outside = temporaryDirectory();
    symlinkSync(outside, join(root, older));
    writeFileSync(join(root, newer), "not a run");
    await expect(resolveRunReference(root, older)).rejects.toMatchObject({
      code: "E_RUN_NOT_FOUND",
      message: `no run ${older} in ${root}: ${join(root, older)} is a symbolic link, which is never read as a run`,
    });
    await expect(resolveRunReference(root, "735c")).rejects.toMatchObject({
      code: "E_RUN_NOT_FOUND",
      message: `no run 735c in ${root}: ${join(root, newer)} is a file, not a run directory`,
    });
    await expect(resolveRunReference(root, "latest")).rejects.toMatchObject({
      code: "E_RUN_NOT_FOUND",
    });
  });
});

describe("shortRunIds", () => {
  it("gives the last 8 characters, longer only where those match another run, and each resolves", async () => {
    const ids = [
      newer,
      older,
      // Shares its last 8 characters with `older`.
      "01a20217-9000-7000-8000-aaaa3390330a",
      // Its last 8 characters are how `newer` begins.
      "01a20218-0000-7000-8000-000001a20217",
    ];
    const short = shortRunIds(ids);
    expect(ids.map(short)).toEqual(["6767735c", "f3913390330a", "aaaa3390330a", "000001a20217"]);
    const root = temporaryDirectory();
    for (const id of ids) mkdirSync(join(root, id));
    for (const id of ids) expect((await resolveRunReference(root, short(id))).runId).toBe(id);
  });
});
