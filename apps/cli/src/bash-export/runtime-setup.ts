// The exported script's runtime, part 1: its options and help, its run directory, the pipes
// its jobs report on, and small helpers (time, durations, progress lines).
import { bash } from "./bash-text.js";

export const SETUP = bash`# ---- the script's options, its run directory and its report channel ----

_ry_usage_error() {
  printf 'error: %s\n' "$1" >&2
  printf 'hint: %s --help says what it takes\n' "$0" >&2
  exit 2
}

_ry_help() {
  printf '%s\n' "$_ry_about"
  cat <<'RUNYARD_HELP_END'

Options:
  -j, --max-parallel N  Run at most N steps at once (default: the number of CPUs, as
                        runyard run does)
  -d, --dir DIR         The run's directory: each attempt's captures (NNNNNN-<step>.out
                        and .err), outputs (.env), artifacts/, inbox/, status.tsv and
                        return_value.txt (default: a new directory under $TMPDIR or /tmp).
                        It must not exist, or be empty
      --workdir DIR     The directory the workflow's relative working directories and
                        foreach files are relative to (default: the workflow file's
                        directory when it was exported)
  -o, --output          Also print what each step attempt wrote, prefixed with its id,
                        once the attempt has ended
  -q, --quiet           Print nothing but errors (and the return value on stdout)
      --grace SECONDS   How long a step stopped by its timeout or a cancel has between
                        SIGTERM and SIGKILL (default 5)
  -h, --help            This help

Progress goes to stderr; stdout gets only the workflow's return value. Ctrl-C (or
SIGTERM) cancels the run: running steps are stopped, nothing new starts; a second one
kills the steps at once.

Exit status: 0 success, 1 a step failed, 130 cancelled, 2 a bad option.
RUNYARD_HELP_END
}

_ry_parse_options() {
  _ry_max=''
  _ry_dir=''
  _ry_workdir=$_ry_workdir_default
  _ry_show_output=0
  _ry_quiet=0
  _ry_grace=5
  while (($# > 0)); do
    case $1 in
      -h | --help)
        _ry_help
        exit 0
        ;;
      -o | --output) _ry_show_output=1 ;;
      -q | --quiet) _ry_quiet=1 ;;
      -j | --max-parallel | -d | --dir | --workdir | --grace)
        (($# >= 2)) || _ry_usage_error "$1 needs a value"
        case $1 in
          -j | --max-parallel) _ry_max=$2 ;;
          -d | --dir) _ry_dir=$2 ;;
          --workdir) _ry_workdir=$2 ;;
          --grace) _ry_grace=$2 ;;
        esac
        shift
        ;;
      --max-parallel=*) _ry_max=\${1#*=} ;;
      --dir=*) _ry_dir=\${1#*=} ;;
      --workdir=*) _ry_workdir=\${1#*=} ;;
      --grace=*) _ry_grace=\${1#*=} ;;
      -j?*) _ry_max=\${1#-j} ;;
      --) shift; break ;;
      -*) _ry_usage_error "unknown option \"$1\"" ;;
      *) break ;;
    esac
    shift
  done
  (($# == 0)) || _ry_usage_error "unexpected argument \"$1\" (params were fixed when the script was exported)"
  if [[ -z $_ry_max ]]; then
    _ry_max=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null)
    [[ $_ry_max =~ ^[1-9][0-9]{0,5}$ ]] || _ry_max=1
  fi
  [[ $_ry_max =~ ^[1-9][0-9]{0,5}$ ]] ||
    _ry_usage_error "--max-parallel expects a whole number of at least 1, got \"$_ry_max\""
  [[ $_ry_grace =~ ^[0-9]{1,6}$ ]] ||
    _ry_usage_error "--grace expects a whole number of seconds, got \"$_ry_grace\""
  [[ -n $_ry_workdir ]] || _ry_usage_error "--workdir needs a directory"
}

_ry_fatal() {
  printf 'error: %s\n' "$1" >&2
  exit 1
}

# A fresh run directory: the one given (created, or empty), else a new one under $TMPDIR.
_ry_make_directory() {
  if [[ -n $_ry_dir ]]; then
    if [[ -e $_ry_dir || -L $_ry_dir ]]; then
      [[ -d $_ry_dir && ! -L $_ry_dir ]] || _ry_usage_error "--dir $_ry_dir is not a directory"
      [[ -z $(ls -A -- "$_ry_dir") ]] || _ry_usage_error "--dir $_ry_dir is not empty: give a new or empty directory"
    else
      mkdir -p -m 700 -- "$_ry_dir" || _ry_fatal "cannot create the run directory $_ry_dir"
    fi
    _ry_dir=$(cd -- "$_ry_dir" && pwd) || _ry_fatal "cannot enter the run directory $_ry_dir"
  else
    _ry_dir=$(mktemp -d "\${TMPDIR:-/tmp}/runyard-export.XXXXXX") ||
      _ry_fatal "cannot create a run directory under \${TMPDIR:-/tmp} (set TMPDIR or give --dir)"
  fi
  chmod 700 -- "$_ry_dir"
  mkdir -m 700 -- "$_ry_dir/artifacts" "$_ry_dir/inbox" "$_ry_dir/.runyard-export" ||
    _ry_fatal "cannot write in the run directory $_ry_dir"
  _ry_bin=$_ry_dir/.runyard-export/bin
  mkdir -m 700 -- "$_ry_bin" || _ry_fatal "cannot write in the run directory $_ry_dir"
  printf '%s' "$_ry_shim" >"$_ry_bin/runyard" && chmod 700 -- "$_ry_bin/runyard" ||
    _ry_fatal "cannot write $_ry_bin/runyard"
  # Run once (it refuses a log without a message, exit 2): a file system mounted noexec, as
  # /tmp is on some clusters, would leave the steps' runyard unable to start.
  "$_ry_bin/runyard" log </dev/null >/dev/null 2>&1
  if (($? == 126)); then
    printf 'warning: %s cannot be run (a file system mounted noexec?): runyard log, send, receive and artifact save will fail in the steps; give --dir on another file system\n' \
      "$_ry_bin/runyard" >&2
  fi
}

# Two pipes, opened read-write and unlinked at once, so only this script and its jobs hold
# them: fd 7 carries the jobs' one-line reports to the scheduler (a line is written whole, so
# reports never interleave, and none is lost however close together jobs end: no wait -n
# race); fd 8 is never written, so a timed read on it is a sleep that needs no process and
# that SIGTERM ends at once.
_ry_open_channels() {
  local report=$_ry_dir/.runyard-export/report sleeper=$_ry_dir/.runyard-export/sleep
  mkfifo -m 600 -- "$report" "$sleeper" || _ry_fatal "cannot create pipes in $_ry_dir (mkfifo)"
  exec 7<>"$report" 8<>"$sleeper"
  rm -f -- "$report" "$sleeper"
}

_ry_sleep() {
  read -r -t "$1" -u 8 _ry_nothing
  return 0
}

_ry_new_run_id() {
  if [[ -r /proc/sys/kernel/random/uuid ]] && read -r _ry_run_id </proc/sys/kernel/random/uuid; then
    return
  fi
  printf -v _ry_run_id '%04x%04x-%04x-4%03x-%04x-%04x%04x%04x' "$RANDOM" "$RANDOM" "$RANDOM" \
    $((RANDOM & 4095)) $(((RANDOM & 16383) | 32768)) "$RANDOM" "$RANDOM" "$RANDOM"
}

# Milliseconds since the epoch; whole seconds' worth on a bash without EPOCHREALTIME (< 5).
_ry_now() {
  if [[ -n \${EPOCHREALTIME:-} ]]; then
    local now=\${EPOCHREALTIME/[.,]/}
    _ry_ms=$((10#$now / 1000))
  else
    _ry_ms=$((SECONDS * 1000))
  fi
}

# 0.5s, 1m05s, 2h03m: as runyard run prints a duration (tenths rounded, as toFixed does).
_ry_format_ms() {
  local ms=$1 seconds
  if ((ms < 60000)); then
    seconds=$(((ms + 50) / 100))
    printf -v _ry_duration '%d.%ds' $((seconds / 10)) $((seconds % 10))
  elif ((ms < 3600000)); then
    seconds=$((ms / 1000))
    printf -v _ry_duration '%dm%02ds' $((seconds / 60)) $((seconds % 60))
  else
    seconds=$((ms / 1000))
    printf -v _ry_duration '%dh%02dm' $((seconds / 3600)) $((seconds / 60 % 60))
  fi
}

# A progress line on stderr; a control character in it (a path from the workflow may hold
# one) is shown as ?, never sent to the terminal.
_ry_say() {
  ((_ry_quiet)) || printf '%s\n' "\${1//[$'\001'-$'\037'$'\177']/?}" >&2
}

# "id" padded to the widest id seen, as runyard run lines up its columns.
_ry_pad() {
  local id=$1
  ((\${#id} > _ry_width)) && _ry_width=\${#id}
  printf -v _ry_padded '%-*s' "$_ry_width" "$id"
}
`;
