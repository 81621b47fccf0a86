// Step outputs: a step writes `KEY=value` lines to the file named by RUNYARD_OUTPUT; when it
// completes, the values reach the environment of every step downstream of it. This is the
// file's grammar, as GitHub Actions' $GITHUB_OUTPUT has it: `KEY=value` (the value is the rest
// of the line, taken raw), `KEY<<DELIMITER` … `DELIMITER` for a value of several lines, blank
// lines and `#` comments skipped. A line that is none of these is a problem named by its line,
// never a crash; the rest of the file still counts.
import { RESERVED_ENV_PREFIX } from "./layout.js";

/** The largest outputs file the executor reads. */
export const OUTPUTS_MAX_BYTES = 1024 * 1024;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ASSIGNMENT = /^([^=<]*)=(.*)$/s;
const HEREDOC = /^([^=<]*)<<(.+)$/;

export interface ParsedOutputs {
  /** Name → value; a name set twice takes its last value. */
  outputs: Record<string, string>;
  /** `line 3: …`, one per line that was not taken. */
  problems: string[];
}

function excerpt(line: string): string {
  return JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);
}

function nameProblem(name: string): string | undefined {
  if (!NAME.test(name))
    return `${JSON.stringify(name)} is not a variable name (letters, digits and _, not starting with a digit)`;
  if (name.startsWith(RESERVED_ENV_PREFIX)) return `${name} is Runyard's own name; not passed on`;
  return undefined;
}

export function parseStepOutputs(text: string): ParsedOutputs {
  const outputs: Record<string, string> = {};
  const problems: string[] = [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (let index = 0; index < lines.length; index++) {
    const line = (lines[index] as string).replace(/\r$/, "");
    const number = index + 1;
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const heredoc = HEREDOC.exec(line);
    if (heredoc) {
      const name = (heredoc[1] as string).trim();
      const delimiter = heredoc[2] as string;
      const end = lines.findIndex(
        (next, at) => at > index && next.replace(/\r$/, "") === delimiter,
      );
      if (end === -1) {
        problems.push(
          `line ${number}: ${name}<<${delimiter} is never closed by a line ${JSON.stringify(delimiter)}`,
        );
        break;
      }
      const problem = nameProblem(name);
      if (problem) problems.push(`line ${number}: ${problem}`);
      else
        outputs[name] = lines
          .slice(index + 1, end)
          .map((next) => next.replace(/\r$/, ""))
          .join("\n");
      index = end;
      continue;
    }
    const assignment = ASSIGNMENT.exec(line);
    if (!assignment) {
      problems.push(`line ${number}: expected NAME=value or NAME<<DELIMITER, got ${excerpt(line)}`);
      continue;
    }
    const name = (assignment[1] as string).trim();
    const problem = nameProblem(name);
    if (problem) problems.push(`line ${number}: ${problem}`);
    else if ((assignment[2] as string).includes("\0"))
      problems.push(
        `line ${number}: the value of ${name} holds a NUL byte, which no environment variable can carry`,
      );
    else outputs[name] = assignment[2] as string;
  }
  return { outputs, problems };
}
