// The error base every Runyard package throws: a stable string `code` that the CLI maps to
// an exit status and a hint, and a message a user can act on without a stack trace.

export class RunyardError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options?.hint;
  }
}

/** One problem found while validating a file: where it is and what was expected. */
export interface ValidationProblem {
  /** Dotted path of the offending field, `""` for the whole document. */
  readonly path: string;
  readonly message: string;
  /** 1-based position in the source text, when the source was YAML or JSON text. */
  readonly line?: number;
  readonly column?: number;
}

/** Formats a problem as `file:line:column: path: message`, the shape editors jump to. */
export function formatProblem(file: string, problem: ValidationProblem): string {
  const position =
    problem.line === undefined
      ? ""
      : `:${problem.line}${problem.column === undefined ? "" : `:${problem.column}`}`;
  const where = problem.path === "" ? "" : `${problem.path}: `;
  return `${file}${position}: ${where}${problem.message}`;
}

/** A file did not match its schema; `problems` lists every mismatch, not just the first. */
export class ValidationError extends RunyardError {
  readonly file: string;
  readonly problems: readonly ValidationProblem[];

  constructor(file: string, problems: readonly ValidationProblem[], code = "E_INVALID_FILE") {
    const lines = problems.map((problem) => formatProblem(file, problem));
    super(
      code,
      lines.length === 1
        ? (lines[0] ?? file)
        : `${file}: ${problems.length} problems\n${lines.join("\n")}`,
    );
    this.file = file;
    this.problems = problems;
  }
}

/**
 * A workflow file that cannot be read (missing, a directory, too big, not UTF-8). Here, not
 * beside the loader: a front end that only launches runs (`runyard run`) reports it without
 * loading the YAML parser.
 */
export class WorkflowReadError extends RunyardError {
  readonly file: string;

  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super("E_WORKFLOW_READ", `cannot read workflow ${file}: ${reason}`, options);
    this.file = file;
  }
}
