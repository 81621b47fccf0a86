// shellQuote is the one door into an exported script: every string, back out of a real bash
// exactly as it went in, and nothing in it run; shellComment keeps any text on its line.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ExportValueError, shellComment, shellQuote } from "./quote.js";

/** What bash makes of `words`, each printed back between NULs. */
function throughBash(words: string[]): string[] {
  const script = `printf '%s\\0' ${words.map((word) => shellQuote(word)).join(" ")}`;
  const result = spawnSync("bash", ["-c", script], { encoding: "utf8" });
  expect(result.stderr).toBe("");
  return result.stdout.split("\0").slice(0, -1);
}

const HOSTILE = [
  "",
  "'",
  "''",
  "'\\''",
  '"',
  "$(touch /tmp/runyard-quote-test)",
  "`touch /tmp/runyard-quote-test`",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a parameter expansion of bash's
  "${HOME}",
  "$HOME",
  "\\",
  "\\'",
  "a\nb",
  "\r\n",
  "!x !! !$",
  "* ? [a] ~ {a,b}",
  "; rm -rf / #",
  "EOF\nRUNYARD_HELP_END",
  "tab\there",
  "\u2028\u2029\u202e",
  "é ü 漢字 🚀",
];

describe("shellQuote", () => {
  it("gives bash back every string as it was", () => {
    expect(throughBash(HOSTILE)).toEqual(HOSTILE);
  });

  it("holds every character but NUL, alone and together", () => {
    const characters = Array.from({ length: 255 }, (_, code) => String.fromCharCode(code + 1));
    expect(throughBash(characters)).toEqual(characters);
    expect(throughBash([characters.join("")])).toEqual([characters.join("")]);
  });

  it("refuses a NUL byte, naming where it was", () => {
    expect(() => shellQuote("a\0b", "steps.a.run")).toThrow(ExportValueError);
    expect(() => shellQuote("a\0b", "steps.a.run")).toThrow(/^steps\.a\.run holds a NUL byte/);
  });
});

describe("shellComment", () => {
  it("keeps any text on one line", () => {
    for (const text of HOSTILE) {
      const comment = shellComment(text);
      expect(comment).not.toMatch(/[\n\r\u2028\u2029]/);
      const result = spawnSync("bash", ["-c", `# ${comment}\necho ok`], { encoding: "utf8" });
      expect(result.stdout).toBe("ok\n");
    }
  });
});
