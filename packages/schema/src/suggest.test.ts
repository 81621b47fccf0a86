import { describe, expect, it } from "vitest";
import { didYouMean, editDistance, suggest } from "./suggest.js";

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and adjacent swaps as one edit each", () => {
    expect(editDistance("run", "run")).toBe(0);
    expect(editDistance("nam", "name")).toBe(1);
    expect(editDistance("neeeds", "needs")).toBe(1);
    expect(editDistance("rnu", "run")).toBe(1);
    expect(editDistance("tiemout", "timeout")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
  });
});

describe("suggest", () => {
  const stepKeys = ["name", "run", "needs", "env", "cwd", "timeout", "retries"];

  it("offers the closest key for a plausible typo, ignoring case", () => {
    expect(suggest("nedes", stepKeys)).toBe("needs");
    expect(suggest("Run", stepKeys)).toBe("run");
    expect(suggest("retires", stepKeys)).toBe("retries");
  });

  it("maps words from other tools, even misspelt, to the key they stand for", () => {
    expect(suggest("depends_on", stepKeys)).toBe("needs");
    expect(suggest("command", stepKeys)).toBe("run");
    expect(suggest("comand", stepKeys)).toBe("run");
    expect(suggest("working_directory", stepKeys)).toBe("cwd");
  });

  it("offers a synonym only when the object has the key it stands for", () => {
    expect(suggest("depends_on", ["name", "steps"])).toBeUndefined();
  });

  it("stays quiet when nothing is close", () => {
    expect(suggest("colour", stepKeys)).toBeUndefined();
    expect(suggest("xyz", stepKeys)).toBeUndefined();
    expect(didYouMean("colour", stepKeys)).toBe("");
    expect(didYouMean("nmae", stepKeys)).toBe(' (did you mean "name"?)');
  });
});
