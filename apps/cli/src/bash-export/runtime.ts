// The runtime of every exported script, in the order bash reads it: the same text whatever the
// workflow; generate.ts puts the workflow's data before it and `_ry_main "$@"` after it.
import { bash } from "./bash-text.js";
import { ATTEMPT } from "./runtime-attempt.js";
import { LOOPS } from "./runtime-loops.js";
import { MAIN } from "./runtime-main.js";
import { OUTPUTS } from "./runtime-outputs.js";
import { REPORTS } from "./runtime-reports.js";
import { SCHEDULE } from "./runtime-schedule.js";
import { SETUP } from "./runtime-setup.js";

export const RUNTIME = [SETUP, OUTPUTS, LOOPS, ATTEMPT, SCHEDULE, REPORTS, MAIN].join("\n");

/** What comes first: the check for bash 4, before any line bash 3 or another shell cannot read. */
export const PRELUDE = bash`
if [ -z "\${BASH_VERSINFO:-}" ] || [ "\${BASH_VERSINFO[0]}" -lt 4 ]; then
  echo "error: this script needs bash 4 or newer, not \${BASH_VERSION:-this shell}" >&2
  exit 2
fi
IFS=$' \t\n'
# Names this script uses are its own: one the caller set (and exported) must not reach the steps.
for _ry_each in \${!_ry_@}; do unset "$_ry_each"; done
while read -r _ry_each _ry_each _ry_each; do
  case $_ry_each in _ry_*) export -fn "$_ry_each" ;; esac
done < <(declare -F)
`;
