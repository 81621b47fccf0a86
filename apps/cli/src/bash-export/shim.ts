// The `runyard` the steps of an exported script find first on PATH: log, send, receive and
// artifact save without an executor (see the script's own first comment lines).
import { bash } from "./bash-text.js";

export const SHIM = bash`#!/usr/bin/env bash
# 'runyard' for the steps of a script made by 'runyard export --bash': there is no executor to
# reach, so the commands a step runs do their work here. 'log' writes its line to the step's
# stderr, 'send' and 'artifact save' publish into the run directory's inbox/ and artifacts/
# (each under a name given once, never replaced), 'receive' reads inbox/. They check their
# arguments, and fail with the exit status and message, as Runyard's own do. Any other command
# goes to the next 'runyard' on PATH, if there is one.

_ry_error() { # message status [hint]
  printf 'error: %s\n' "$1" >&2
  [[ -n \${3:-} ]] && printf 'hint: %s\n' "$3" >&2
  exit "$2"
}

_ry_in_step() { # variable
  [[ -n \${!1:-} ]] || _ry_error "not inside a Runyard step: $1 is not set" 2 \
    'runyard log, send, receive and artifact save are for the commands of a workflow'"'"'s steps: see docs/workflow.md, "Inside a step"'
}

_ry_absolute() {
  if [[ $1 == /* ]]; then _ry_path=$1; else _ry_path=$PWD/$1; fi
}

_ry_bytes() {
  local LC_ALL=C
  _ry_size=\${#1}
}

_ry_channel() {
  [[ $1 =~ ^[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789][ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-]*$ ]] ||
    _ry_error "invalid channel \"$1\": a channel name has letters, digits, _ . - and starts with a letter or digit" 2
  ((\${#1} <= 100)) || _ry_error "invalid channel \"$1\": a channel name is at most 100 characters" 2
}

# A new hidden file in directory $1, for a message or an artifact on its way in.
_ry_stage() {
  local attempt
  for ((attempt = 0; attempt < 100; attempt++)); do
    _ry_staged=$1/.staged-$$-$RANDOM$RANDOM.tmp
    (umask 077 && set -o noclobber && : >"$_ry_staged") 2>/dev/null && return 0
  done
  _ry_error "cannot create a file in $1" 74
}

_ry_log() {
  local warn=0 error=0 words=() message
  while (($# > 0)); do
    case $1 in
      --warn) warn=1 ;;
      --error) error=1 ;;
      --) shift; words+=("$@"); break ;;
      -h | --help) printf 'usage: runyard log [--warn|--error] <message>\n'; exit 0 ;;
      -?*) _ry_error "unknown option \"$1\"" 2 'usage: runyard log [--warn|--error] <message>' ;;
      *) words+=("$1") ;;
    esac
    shift
  done
  ((!warn || !error)) || _ry_error '--warn and --error exclude each other' 2
  local IFS=' ' level=''
  message="\${words[*]}"
  [[ -n $message ]] || _ry_error 'missing the message' 2 'usage: runyard log <message>'
  _ry_bytes "$message"
  ((_ry_size <= 65536)) || _ry_error "the message is $_ry_size bytes, more than the 65536 a log line may hold" 2 \
    'save longer text as an artifact: runyard artifact save FILE'
  _ry_in_step RUNYARD_STEP_ID
  ((warn)) && level='warn: '
  ((error)) && level='error: '
  printf '» %s %s%s\n' "$RUNYARD_STEP_ID" "$level" "$message" >&2
}

_ry_send() {
  local channel=\${1-} file=\${2-} inbox what number name highest=0 entry
  (($# <= 2)) || _ry_error "unexpected argument \"$3\"" 2 'usage: runyard send <channel> [file|-]'
  [[ -n $channel ]] || _ry_error 'missing the channel' 2 'usage: runyard send <channel> [file|-]'
  _ry_channel "$channel"
  _ry_in_step RUNYARD_INBOX_DIR
  inbox=$RUNYARD_INBOX_DIR
  what='the message on standard input'
  if [[ -n $file && $file != - ]]; then
    what=$file
    _ry_absolute "$file"
    [[ -e $_ry_path ]] || _ry_error "cannot open $_ry_path: no such file or directory" 4
    [[ ! -d $_ry_path ]] || _ry_error "cannot read $_ry_path: it is a directory" 3
  fi
  _ry_stage "$inbox"
  if [[ -n $file && $file != - ]]; then
    cat -- "$_ry_path" >"$_ry_staged"
  else
    cat >"$_ry_staged"
  fi || {
    rm -f -- "$_ry_staged"
    _ry_error "cannot read $what" 74
  }
  if (($(wc -c <"$_ry_staged") > 1048576)); then
    rm -f -- "$_ry_staged"
    _ry_error "$what is larger than 1048576 bytes (1 MiB), the most a message may hold" 3 \
      'send a smaller message, or save the data as an artifact: runyard artifact save FILE'
  fi
  for entry in "$inbox"/[0-9][0-9][0-9]*-*.txt; do
    entry=\${entry##*/}
    number=\${entry%%-*}
    [[ $number =~ ^[0-9]+$ ]] && ((10#$number > highest)) && highest=$((10#$number))
  done
  for ((number = highest + 1; number < highest + 1000; number++)); do
    printf -v name '%03d-%s.txt' "$number" "$channel"
    if ln -- "$_ry_staged" "$inbox/$name" 2>/dev/null; then
      rm -f -- "$_ry_staged"
      return 0
    fi
  done
  rm -f -- "$_ry_staged"
  _ry_error "cannot publish the message in $inbox" 74
}

_ry_receive() {
  local channel='' last=0 extra=() entry number inbox
  local -a found=()
  while (($# > 0)); do
    case $1 in
      --last) last=1 ;;
      -h | --help) printf 'usage: runyard receive <channel> [--last]\n'; exit 0 ;;
      -?*) _ry_error "unknown option \"$1\"" 2 'usage: runyard receive <channel> [--last]' ;;
      *) if [[ -z $channel ]]; then channel=$1; else extra+=("$1"); fi ;;
    esac
    shift
  done
  ((\${#extra[@]} == 0)) || _ry_error "unexpected argument \"\${extra[0]}\"" 2 'usage: runyard receive <channel> [--last]'
  [[ -n $channel ]] || _ry_error 'missing the channel' 2 'usage: runyard receive <channel> [--last]'
  _ry_channel "$channel"
  _ry_in_step RUNYARD_INBOX_DIR
  inbox=$RUNYARD_INBOX_DIR
  for entry in "$inbox"/[0-9][0-9][0-9]*-"$channel".txt; do
    [[ -f $entry ]] || continue
    number=\${entry##*/}
    number=\${number%%-*}
    [[ $number =~ ^[0-9]+$ ]] && found[10#$number]=$entry
  done
  if ((last)); then
    ((\${#found[@]} > 0)) || _ry_error "no message was sent on channel \"$channel\" yet" 1 \
      "the sending step must have run 'runyard send' before: make this step need it"
    local keys=("\${!found[@]}")
    cat -- "\${found[\${keys[\${#keys[@]} - 1]}]}"
    return
  fi
  for entry in "\${found[@]}"; do
    cat -- "$entry"
    [[ -s $entry ]] && (($(tail -c 1 -- "$entry" | wc -l) == 0)) && printf '\n'
  done
  return 0
}

_ry_artifact() {
  local action=\${1-} file=\${2-} name=\${3-} given=$(($# >= 3)) problem='' directory
  (($# <= 3)) || _ry_error "unexpected argument \"$4\"" 2 'usage: runyard artifact save <file> [name]'
  [[ -n $action ]] || _ry_error 'missing the action' 2 'usage: runyard artifact save <file> [name]'
  [[ $action == save ]] || _ry_error "unknown action \"$action\"" 2 'usage: runyard artifact save <file> [name]'
  [[ -n $file ]] || _ry_error 'missing the file to save' 2 'usage: runyard artifact save <file> [name]'
  if ((!given)); then
    name=$file
    while [[ $name == */ && $name != / ]]; do name=\${name%/}; done
    name=\${name##*/}
  fi
  _ry_bytes "$name"
  if [[ -z $name ]]; then
    problem='it is empty'
  elif [[ $name == */* ]]; then
    problem='it holds a /: an artifact name is a file name, not a path'
  elif [[ $name == . || $name == .. ]]; then
    problem="\"$name\" is not a file name"
  elif [[ $name == .* ]]; then
    problem="it starts with a dot (hidden names are Runyard's own)"
  elif [[ $name == *[$'\001'-$'\037'$'\177']* ]]; then
    problem='it holds a control character'
  elif ((_ry_size > 255)); then
    problem='it is longer than 255 bytes'
  fi
  if [[ -n $problem ]]; then
    if ((given)); then
      _ry_error "invalid artifact name \"$name\": $problem" 2
    else
      _ry_error "invalid artifact name \"$name\": $problem" 2 'give a NAME: runyard artifact save FILE NAME'
    fi
  fi
  _ry_in_step RUNYARD_ARTIFACTS_DIR
  directory=$RUNYARD_ARTIFACTS_DIR
  _ry_absolute "$file"
  [[ -e $_ry_path ]] || _ry_error "cannot open $_ry_path: no such file or directory" 4
  [[ -f $_ry_path ]] || _ry_error "not a regular file: $file" 3 \
    'save a file; to keep a directory, archive it first (tar czf out.tgz dir)'
  _ry_stage "$directory"
  if ! cat -- "$_ry_path" >"$_ry_staged"; then
    rm -f -- "$_ry_staged"
    _ry_error "cannot read $_ry_path" 74
  fi
  if ! ln -- "$_ry_staged" "$directory/$name" 2>/dev/null; then
    rm -f -- "$_ry_staged"
    _ry_error "artifacts/$name exists already: a published artifact is never replaced" 1
  fi
  rm -f -- "$_ry_staged"
}

# Any other command: the next runyard on PATH, past this one's directory.
_ry_elsewhere() {
  local here=\${BASH_SOURCE[0]%/*} entry entries
  IFS=: read -r -a entries <<<"\${PATH-}"
  for entry in "\${entries[@]}"; do
    [[ -n $entry && $entry != "$here" && -x $entry/runyard && ! -d $entry/runyard ]] &&
      exec "$entry/runyard" "$@"
  done
  _ry_error 'runyard is not installed here; in a step of a script made by runyard export --bash, runyard has only log, send, receive and artifact save' 127
}

case \${1-} in
  log) shift; _ry_log "$@" ;;
  send) shift; _ry_send "$@" ;;
  receive) shift; _ry_receive "$@" ;;
  artifact) shift; _ry_artifact "$@" ;;
  *) _ry_elsewhere "$@" ;;
esac
`;
