import { describe, expect, it } from "vitest";
import { parseStepOutputs } from "./step-outputs.js";

describe("parseStepOutputs", () => {
  it("takes NAME=value raw, heredoc blocks, CRLF; skips blanks and comments; last value wins", () => {
    expect(
      parseStepOutputs(
        'A=1\r\n\n# note\nB= spaced "quoted" = kept \nA=2\nC<<EOT\nx\r\n\ny=z\nEOT\nD=\n',
      ),
    ).toEqual({
      outputs: { A: "2", B: ' spaced "quoted" = kept ', C: "x\n\ny=z", D: "" },
      problems: [],
    });
  });

  it("names each line it does not take, and keeps the others", () => {
    const parsed = parseStepOutputs("ok=1\njust words\n=x\nRUNYARD_X=1\nv=a\u0000b\n");
    expect(parsed.outputs).toEqual({ ok: "1" });
    expect(parsed.problems).toEqual([
      'line 2: expected NAME=value or NAME<<DELIMITER, got "just words"',
      'line 3: "" is not a variable name (letters, digits and _, not starting with a digit)',
      "line 4: RUNYARD_X is Runyard's own name; not passed on",
      "line 5: the value of v holds a NUL byte, which no environment variable can carry",
    ]);
  });
});
