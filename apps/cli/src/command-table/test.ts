// `runyard test [FILE|DIR]...`: run test workflows (*.test.yaml), each for real in a runs root
// of its own, and say which passed; a test passes when its run ends success.
// Its help and flags only; the code is loaded when the command runs (commands/test.ts).
import type { Command } from "../command.js";

export const testCommand: Command = {
  name: "test",
  summary: "Run test workflows (*.test.yaml) and say which passed",
  usage: "runyard test [<workflow.test.yaml>|<directory>]... [options]",
  help: `Runs test workflows, one after the other: each file given, and every *.test.yaml
(or *.test.yml) under each directory given (default: this directory; node_modules and
directories whose name starts with a dot are left out). A test workflow is a workflow like
any other, and passes when its run ends success: its checks are steps that fail when
something is wrong — for example a step that runs 'runyard run' on the workflow under test
and a step that checks what it printed.

Each test runs for real (real processes, a whole run directory) in a temporary runs root of
its own, which its steps see as RUNYARD_RUNS_DIR (so the runs they start go there too) and
which is removed when the test ends. Nothing of the run is printed while it goes on; a
failed test shows why it failed and the last lines its failed steps wrote.

Ctrl-C cancels the test that is running, and no more start.

Options:
      --keep           Keep each test's runs root, and print where its run is
  -q, --quiet          Print only the tests that failed, and the count

Exit status: 0 when every test passed, 1 when one did not (an invalid test workflow
fails), 4 when a file or directory given does not exist or there is no test to run,
130 when interrupted.

Examples:
  runyard test
  runyard test tests/
  runyard test tests/fallback.test.yaml --keep`,
  options: {
    keep: { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
  },
  load: async () => (await import("../commands/test.js")).run,
};
