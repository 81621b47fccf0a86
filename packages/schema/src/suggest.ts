// "Did you mean" suggestions for misspelt keys, step ids, enum values and param names: a
// typo should cost the user one glance, not a trip to the docs.

/** Optimal-string-alignment distance: insertions, deletions, substitutions, adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  const table: number[][] = Array.from({ length: rows }, (_, row) =>
    Array.from({ length: columns }, (_, column) => (row === 0 ? column : column === 0 ? row : 0)),
  );
  const at = (row: number, column: number): number => table[row]?.[column] ?? 0;
  for (let row = 1; row < rows; row++) {
    for (let column = 1; column < columns; column++) {
      const cost = a[row - 1] === b[column - 1] ? 0 : 1;
      let best = Math.min(
        at(row - 1, column) + 1,
        at(row, column - 1) + 1,
        at(row - 1, column - 1) + cost,
      );
      if (row > 1 && column > 1 && a[row - 1] === b[column - 2] && a[row - 2] === b[column - 1]) {
        best = Math.min(best, at(row - 2, column - 2) + 1);
      }
      const cells = table[row];
      if (cells) cells[column] = best;
    }
  }
  return at(rows - 1, columns - 1);
}

/**
 * Words people bring from other workflow tools. A synonym is only offered when it names a
 * key the object really has, so a step never suggests a workflow-level key.
 */
const SYNONYMS: Readonly<Record<string, string>> = {
  depends_on: "needs",
  dependson: "needs",
  depends: "needs",
  dependencies: "needs",
  after: "needs",
  requires: "needs",
  command: "run",
  commands: "run",
  cmd: "run",
  script: "run",
  shell: "run",
  jobs: "steps",
  tasks: "steps",
  environment: "env",
  variables: "env",
  workdir: "cwd",
  working_directory: "cwd",
  "working-directory": "cwd",
  workingdirectory: "cwd",
  dir: "cwd",
  directory: "cwd",
  retry: "retries",
  attempts: "retries",
  retry_delay: "retryDelay",
  "retry-delay": "retryDelay",
  backoff: "retryDelay",
  when: "if",
  condition: "if",
  matrix: "foreach",
  for_each: "foreach",
  "for-each": "foreach",
  timeout_minutes: "timeout",
  parameters: "params",
  inputs: "params",
};

/**
 * The candidate closest to `word`, when it is close enough to be a plausible typo: one edit
 * for words of up to three letters, else two or a third of the length, whichever is more.
 * Case differences are free.
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const pool = [...candidates];
  const lower = word.toLowerCase();
  // A synonym from another tool, even misspelt ("comand"), points at the key it stands for.
  const spellings: Array<[spelling: string, meaning: string]> = pool.map((key) => [key, key]);
  for (const [synonym, meaning] of Object.entries(SYNONYMS)) {
    if (pool.includes(meaning)) spellings.push([synonym, meaning]);
  }
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const [spelling, meaning] of spellings) {
    if (meaning === word) continue;
    const distance = editDistance(lower, spelling.toLowerCase());
    if (distance < bestDistance) {
      best = meaning;
      bestDistance = distance;
    }
  }
  const limit = word.length <= 3 ? 1 : Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** ` (did you mean "x"?)`, or `""` when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = suggest(word, candidates);
  return match === undefined ? "" : ` (did you mean ${JSON.stringify(match)}?)`;
}
