// The exported script's runtime, part 6: attempts from the scheduler's side — starting them,
// the jobs' reports of how they ended, retries after their delay, a cancel and a forced one.
import { bash } from "./bash-text.js";

export const REPORTS = bash`# ---- attempts, from the scheduler's side: start them, hear how they ended, retry, cancel ----

# Starts attempt 'attempt' of node 'n' as a background job.
_ry_start_attempt() {
  local n=$1 attempt=$2 s=\${_ry_node_step[$1]} note=''
  _ry_seq=$((_ry_seq + 1))
  _ry_seq_of[n]=$_ry_seq
  _ry_attempt_of[n]=$attempt
  _ry_seqs[n]+=" $_ry_seq"
  _ry_upstream_outputs "$s"
  _ry_now
  _ry_started_ms[n]=$_ry_ms
  _ry_attempt "$n" "$_ry_seq" "$attempt" &
  _ry_job[n]=$!
  _ry_job_kind[n]=attempt
  ((attempt > 1)) && note=" (attempt $attempt)"
  _ry_line_for '▶' "\${_ry_node_id[n]}" "started$note"
}

# "killed by SIGTERM" or "exit 2", from a status bash's wait gave.
_ry_exit_words() {
  local rc=$1 name
  if ((rc > 128 && rc <= 192)) && name=$(kill -l $((rc - 128)) 2>/dev/null); then
    _ry_why="killed by SIG\${name#SIG}"
    _ry_exit_reason=$_ry_why
  else
    _ry_why="exit $rc"
    _ry_exit_reason="exited with code $rc"
  fi
}

# Prints what an attempt wrote, each line after its node's id (--output).
_ry_show_captures() {
  local n=$1 stem file line
  printf -v stem '%s/%06d-%s' "$_ry_dir" "\${_ry_seq_of[n]}" "\${_ry_node_id[n]}"
  _ry_pad "\${_ry_node_id[n]}"
  for file in "$stem.out" "$stem.err"; do
    while IFS= read -r line || [[ -n $line ]]; do
      printf '    %s │ %s\n' "$_ry_padded" "\${line//[$'\001'-$'\010'$'\013'-$'\037'$'\177']/?}" >&2
    done <"$file"
  done
}

# The job of node 'n''s attempt reported its end ('outcome').
_ry_attempt_ended() {
  local n=$1 outcome=$2 s=\${_ry_node_step[$1]} status=failed reason why=failed attempt
  wait "\${_ry_job[n]}" 2>/dev/null
  _ry_job[n]=''
  _ry_sid[n]=''
  _ry_now
  _ry_format_ms $((_ry_ms - _ry_started_ms[n]))
  case $outcome in
    ok) status=completed ;;
    exit\ *)
      _ry_exit_words "\${outcome#exit }"
      why=$_ry_why reason=$_ry_exit_reason
      ;;
    timeout\ *)
      _ry_exit_words "\${outcome#timeout }"
      [[ \${outcome#timeout } == 0 ]] && _ry_why='exit 0'
      why=$_ry_why reason="timeout: the step ran longer than \${_ry_timeout_text[s]}"
      ;;
    cancelled) status=cancelled ;;
    nocwd | notdir)
      _ry_step_cwd "$s"
      reason="working directory does not exist: $_ry_cwd_path"
      [[ $outcome == notdir ]] && reason="working directory is not a directory: $_ry_cwd_path"
      ;;
    *) reason="lost: its job reported \"$outcome\"" ;;
  esac
  case $status in
    completed) _ry_line_for '✓' "\${_ry_node_id[n]}" "completed in $_ry_duration" ;;
    cancelled) _ry_line_for '■' "\${_ry_node_id[n]}" "cancelled in $_ry_duration" ;;
    failed)
      if [[ $reason == "exited with code"* ]]; then
        _ry_line_for '✗' "\${_ry_node_id[n]}" "failed ($why) in $_ry_duration"
      else
        _ry_line_for '✗' "\${_ry_node_id[n]}" "failed ($why) in $_ry_duration — $reason"
      fi
      ;;
  esac
  ((_ry_show_output && !_ry_quiet)) && _ry_show_captures "$n"
  if [[ $status == completed ]]; then
    _ry_take_outputs "$n"
    _ry_end_node "$n" completed 'exited with code 0'
    return
  fi
  attempt=\${_ry_attempt_of[n]}
  if [[ $status == failed && -z $_ry_cancel_reason ]] && ((attempt <= _ry_retries[s])); then
    _ry_retry "$n" "$attempt"
    return
  fi
  [[ $status == cancelled ]] && reason=$_ry_cancel_reason
  _ry_end_node "$n" "$status" "$reason"
}

# Attempt 'attempt' of node 'n' failed and it may be tried again: now, or after its delay
# (a job that sleeps it and reports "wake"); it keeps its slot meanwhile.
_ry_retry() {
  local n=$1 attempt=$2 s=\${_ry_node_step[$1]} total=$((_ry_retries[\${_ry_node_step[$1]}] + 1)) when=' now'
  [[ \${_ry_delay[s]} != 0 ]] && when=" in \${_ry_delay_text[s]}"
  _ry_line_for '·' "\${_ry_node_id[n]}" "pending — attempt $attempt of $total failed; attempt $((attempt + 1))$when"
  if [[ \${_ry_delay[s]} == 0 ]]; then
    _ry_start_attempt "$n" $((attempt + 1))
    return
  fi
  (
    _ry_sleep "\${_ry_delay[s]}"
    printf '%s %s wake\n' "$n" "\${_ry_seq_of[n]}" >&7
  ) &
  _ry_job[n]=$!
  _ry_job_kind[n]=delay
}

# One line from a job: "NODE SEQ pid SID", "NODE SEQ end OUTCOME" or "NODE SEQ wake".
_ry_on_report() {
  [[ $1 =~ ^([0-9]+)\ ([0-9]+)\ ([a-z]+)(\ (.*))?$ ]] || return 0
  local n=\${BASH_REMATCH[1]} seq=\${BASH_REMATCH[2]} kind=\${BASH_REMATCH[3]} rest=\${BASH_REMATCH[5]}
  [[ \${_ry_state[n]:-} == running && \${_ry_seq_of[n]:-} == "$seq" ]] || return 0
  case $kind in
    pid) [[ $rest =~ ^[0-9]+$ ]] && _ry_sid[n]=$rest ;;
    end) [[ \${_ry_job_kind[n]} == attempt ]] && _ry_attempt_ended "$n" "$rest" ;;
    wake)
      if [[ \${_ry_job_kind[n]} == delay ]]; then
        wait "\${_ry_job[n]}" 2>/dev/null
        _ry_start_attempt "$n" $((_ry_attempt_of[n] + 1))
      fi
      ;;
  esac
}

# A safety net, once a second without reports: a job that is gone without saying how its
# attempt ended (killed from outside) ends its node as failed, once its last lines are read.
_ry_check_jobs() {
  local n lost=()
  for n in "\${!_ry_running_nodes[@]}"; do
    [[ -n \${_ry_job[n]} ]] && ! kill -0 "\${_ry_job[n]}" 2>/dev/null && lost+=("$n")
  done
  ((\${#lost[@]} > 0)) || return 0
  while _ry_read_report 0.1; do _ry_on_report "$_ry_report"; done
  for n in "\${lost[@]}"; do
    [[ \${_ry_state[n]} == running && -n \${_ry_job[n]} ]] || continue
    if ! kill -0 "\${_ry_job[n]}" 2>/dev/null; then
      _ry_job_kind[n]=attempt
      if [[ -n $_ry_cancel_reason ]]; then
        _ry_attempt_ended "$n" cancelled
      else
        _ry_attempt_ended "$n" "job-gone"
      fi
    fi
  done
}

# The first Ctrl-C (or SIGTERM, SIGHUP): nothing new starts, every pending node is cancelled,
# every running attempt is stopped (its job does it) and a retry waiting for its delay is
# called off. The second: every step's processes are killed at once.
_ry_on_signal() {
  _ry_signals=$((_ry_signals + 1))
  [[ -z $_ry_signal_name ]] && _ry_signal_name=$1
}

_ry_handle_signals() {
  ((_ry_signals > _ry_signals_handled)) || return 0
  local n s reason
  if ((_ry_signals_handled == 0)); then
    case $_ry_signal_name in
      INT) reason='interrupted (Ctrl-C)' ;;
      HUP) reason='hung up (SIGHUP)' ;;
      *) reason='terminated (SIGTERM)' ;;
    esac
    _ry_cancel_reason=$reason
    _ry_say "runyard: \${reason%% (*}; cancelling the run"
    for n in "\${!_ry_running_nodes[@]}"; do
      [[ -n \${_ry_job[n]} ]] || continue
      kill -TERM "\${_ry_job[n]}" 2>/dev/null
      if [[ \${_ry_job_kind[n]} == delay ]]; then
        wait "\${_ry_job[n]}" 2>/dev/null
        _ry_job[n]=''
        _ry_line_for '■' "\${_ry_node_id[n]}" "cancelled — $reason (before attempt $((_ry_attempt_of[n] + 1)))"
        _ry_end_node "$n" cancelled "$reason (before attempt $((_ry_attempt_of[n] + 1)))"
      fi
    done
    for s in "\${!_ry_pending[@]}" "\${!_ry_ready[@]}"; do
      [[ \${_ry_state[s]} == pending ]] && _ry_settle "$s" cancelled "not started: the run was cancelled ($reason)"
    done
    for s in "\${_ry_loops[@]}"; do
      for ((n = _ry_loop_next[s]; n < _ry_loop_end[s]; n++)); do
        _ry_loop_released[s]=$((_ry_loop_released[s] + 1))
        _ry_settle "$n" cancelled "not started: the run was cancelled ($reason)"
      done
      _ry_loop_next[s]=$n
    done
  fi
  if ((_ry_signals >= 2)); then
    for n in "\${!_ry_running_nodes[@]}"; do
      [[ -n \${_ry_sid[n]} ]] && _ry_signal_session "\${_ry_sid[n]}" KILL
    done
  fi
  _ry_signals_handled=$_ry_signals
}

`;
