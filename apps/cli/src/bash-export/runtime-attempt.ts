// The exported script's runtime, part 4: one attempt of one step, in a background job — its
// environment, its session, its timeout, and the stop (SIGTERM, then SIGKILL) of a cancel.
import { bash } from "./bash-text.js";

export const ATTEMPT = bash`# ---- one attempt of one step, in a background job of its own ----
# The job starts the step as 'bash -c RUN' in a session of its own (setsid; without setsid, a
# process group of its own), with the step's environment given to env(1) — so nothing of the
# workflow's env reaches this script's own shell — and its stdin, stdout and stderr on
# /dev/null and its two captures. It reports to the scheduler on fd 7, one line each: the
# step's session id once it runs, then how the attempt ended. A SIGTERM from the scheduler
# (a cancel) stops the step's processes as a timeout does: SIGTERM to the whole session,
# SIGKILL to what is left after the grace period.

# Signals every process of the session 'sid' (its process group, and with pkill every other
# group of the session); false when none was left.
_ry_signal_session() {
  local hit=1
  kill -s "$2" -- "-$1" 2>/dev/null && hit=0
  if [[ -n $_ry_pkill ]] && "$_ry_pkill" "-$2" -s "$1" 2>/dev/null; then hit=0; fi
  return "$hit"
}

_ry_session_alive() {
  kill -0 -- "-$1" 2>/dev/null && return 0
  [[ -n $_ry_pgrep ]] && "$_ry_pgrep" -s "$1" >/dev/null 2>&1
}

# SIGTERM to the session, SIGKILL to what is left of it after the grace period; returns once
# none is left (or a second after the SIGKILL, for a process stuck in the kernel).
_ry_stop() {
  local sid=$1 ticks=$((_ry_grace * 20)) kills=20
  _ry_signal_session "$sid" TERM || return 0
  while _ry_session_alive "$sid"; do
    if ((ticks <= 0)); then
      while _ry_signal_session "$sid" KILL && ((kills-- > 0)); do _ry_sleep 0.05; done
      return 0
    fi
    ticks=$((ticks - 1))
    _ry_sleep 0.05
  done
}

# The working directory of step 's': absolute, or relative to the work directory.
_ry_step_cwd() {
  local cwd=\${_ry_cwd[$1]}
  if [[ -z $cwd ]]; then
    _ry_cwd_path=$_ry_workdir
  elif [[ $cwd == /* ]]; then
    _ry_cwd_path=$cwd
  else
    _ry_cwd_path=$_ry_workdir/$cwd
  fi
}

# The environment of node 'n''s attempt, as NAME=value words for env(1), lowest first: the
# workflow's env and the params, the outputs of the steps upstream, the step's own env, then
# Runyard's variables, with this run's 'runyard' first on PATH.
_ry_environment() {
  local n=$1 seq=$2 attempt=$3 stem=$4 s=\${_ry_node_step[$1]} i name path=\${PATH-}
  _ry_words=()
  for ((i = 0; i < \${#_ry_base_name[@]}; i++)); do
    _ry_words+=("\${_ry_base_name[i]}=\${_ry_base_value[i]}")
    [[ \${_ry_base_name[i]} == PATH ]] && path=\${_ry_base_value[i]}
  done
  for name in \${_ry_seen_names[s]}; do
    _ry_words+=("$name=\${_ry_seen["$s:$name"]}")
    [[ $name == PATH ]] && path=\${_ry_seen["$s:$name"]}
  done
  for ((i = 0; i < \${#_ry_env_step[@]}; i++)); do
    if ((_ry_env_step[i] == s)); then
      _ry_words+=("\${_ry_env_name[i]}=\${_ry_env_value[i]}")
      [[ \${_ry_env_name[i]} == PATH ]] && path=\${_ry_env_value[i]}
    fi
  done
  if [[ -z $path ]]; then
    path=$_ry_bin
  elif [[ $path != "$_ry_bin" && $path != "$_ry_bin:"* ]]; then
    path=$_ry_bin:$path
  fi
  _ry_words+=(
    "PATH=$path"
    "RUNYARD_RUN_ID=$_ry_run_id"
    "RUNYARD_RUN_DIR=$_ry_dir"
    "RUNYARD_ARTIFACTS_DIR=$_ry_dir/artifacts"
    "RUNYARD_WORKFLOW_ID=$_ry_workflow_id"
    "RUNYARD_STEP_ID=\${_ry_node_id[n]}"
    "RUNYARD_STEP_SEQ=$seq"
    "RUNYARD_STEP_ATTEMPT=$attempt"
    "RUNYARD_OUTPUT=$stem.env"
    "RUNYARD_INBOX_DIR=$_ry_dir/inbox"
  )
  if ((n >= _ry_step_count)); then
    _ry_words+=(
      "RUNYARD_ITEM=\${_ry_node_item[n]}"
      "RUNYARD_ITEM_INDEX=\${_ry_node_index[n]}"
      "RUNYARD_ITEM_COUNT=\${_ry_node_count[n]}"
    )
  fi
}

# Runs in the background: attempt 'attempt' of node 'n', captures numbered 'seq'.
_ry_attempt() {
  local n=$1 seq=$2 attempt=$3 s=\${_ry_node_step[$1]} stem pid rc watchdog='' marker
  # SIGTERM is the scheduler's cancel. Ctrl-C and a hangup reach this job too when they go to
  # the terminal's whole process group: caught (and so not passed on to the step, whose
  # signals start at their defaults), they leave it to the scheduler, which cancels the run.
  _ry_cancelled=0 _ry_woken=0
  trap '_ry_cancelled=1 _ry_woken=1' TERM
  trap '_ry_woken=1' INT HUP
  printf -v stem '%s/%06d-%s' "$_ry_dir" "$seq" "\${_ry_node_id[n]}"
  marker=$_ry_private/$seq.timeout
  umask 077
  : >"$stem.out"
  : >"$stem.err"
  umask "$_ry_umask"
  _ry_step_cwd "$s"
  if [[ ! -e $_ry_cwd_path ]]; then
    printf '%s %s end nocwd\n' "$n" "$seq" >&7
    return
  elif [[ ! -d $_ry_cwd_path ]]; then
    printf '%s %s end notdir\n' "$n" "$seq" >&7
    return
  fi
  _ry_environment "$n" "$seq" "$attempt" "$stem"
  cd -- "$_ry_cwd_path" || {
    printf '%s %s end nocwd\n' "$n" "$seq" >&7
    return
  }
  if [[ -n $_ry_setsid ]]; then
    "$_ry_setsid" env "\${_ry_words[@]}" bash -c "\${_ry_run[s]}" \
      </dev/null >"$stem.out" 2>"$stem.err" 7>&- 8>&- &
    pid=$!
  else
    set -m
    env "\${_ry_words[@]}" bash -c "\${_ry_run[s]}" </dev/null >"$stem.out" 2>"$stem.err" 7>&- 8>&- &
    pid=$!
    set +m
  fi
  printf '%s %s pid %s\n' "$n" "$seq" "$pid" >&7
  if [[ -n \${_ry_timeout[s]} ]]; then
    (
      _ry_sleep "\${_ry_timeout[s]}"
      trap '' TERM
      : >"$marker"
      _ry_stop "$pid"
    ) &
    watchdog=$!
  fi
  # A trapped signal cuts a wait short: wait again until the step has really ended.
  while :; do
    _ry_woken=0
    wait "$pid"
    rc=$?
    ((_ry_woken)) || break
    if ((_ry_cancelled == 1)); then
      _ry_cancelled=2
      _ry_stop "$pid"
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null
      local again=$?
      ((again == 127)) || rc=$again
      break
    fi
  done
  if [[ -n $watchdog ]]; then
    kill -TERM "$watchdog" 2>/dev/null
    while kill -0 "$watchdog" 2>/dev/null; do wait "$watchdog"; done
  fi
  if [[ -e $marker ]]; then
    printf '%s %s end timeout %s\n' "$n" "$seq" "$rc" >&7
  elif ((_ry_cancelled)); then
    printf '%s %s end cancelled\n' "$n" "$seq" >&7
  elif ((rc == 0)); then
    printf '%s %s end ok\n' "$n" "$seq" >&7
  else
    printf '%s %s end exit %s\n' "$n" "$seq" "$rc" >&7
  fi
}
`;
