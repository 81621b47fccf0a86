// The exported script's runtime, part 7: the run from start to end — set up, schedule, the
// outcome (handled failures included), status.tsv, the summary, the return value, the exit.
import { bash } from "./bash-text.js";

export const MAIN = bash`# ---- the run: set up, schedule, and end as runyard run ends ----

declare -A _ry_out=() _ry_seen=()

# How the run ended, from how its steps did (a failure wins over a cancel); a failed step that
# a completed 'if: failure' step needing it took care of does not fail the run.
_ry_outcome() {
  local s t by failed='' handled=''
  for ((s = 0; s < _ry_step_count; s++)); do
    [[ \${_ry_state[s]} == failed ]] || continue
    by=''
    for ((t = 0; t < _ry_step_count; t++)); do
      [[ \${_ry_cond[t]} == failure && \${_ry_state[t]} == completed && " \${_ry_needs[t]} " == *" $s "* ]] &&
        by+="\${by:+, }\${_ry_ids[t]}"
    done
    if [[ -n $by ]]; then
      handled+="\${handled:+; }\${_ry_ids[s]} failed, handled by $by"
    else
      failed+="\${failed:+, }\${_ry_ids[s]}"
    fi
  done
  _ry_final_reason=''
  if [[ -n $failed ]]; then
    _ry_final=failed _ry_final_reason="failed: $failed"
    return
  fi
  for ((s = 0; s < _ry_step_count; s++)); do
    [[ \${_ry_state[s]} == cancelled ]] && _ry_cancel_reason=\${_ry_cancel_reason:-cancelled}
  done
  if [[ -n $_ry_cancel_reason ]]; then
    _ry_final=cancelled _ry_final_reason=$_ry_cancel_reason
    return
  fi
  _ry_final=success _ry_final_reason=$handled
}

# status.tsv: a line per step and instance (after its loop), as status.json lists them: the
# id, how it ended, how many attempts ran, and why.
_ry_write_status() {
  local s n file=$_ry_dir/status.tsv
  {
    printf 'id\tstatus\tattempts\treason\n'
    for ((s = 0; s < _ry_step_count; s++)); do
      _ry_status_line "$s"
      if [[ -n \${_ry_loop_first[s]:-} ]]; then
        for ((n = _ry_loop_first[s]; n < _ry_loop_end[s]; n++)); do _ry_status_line "$n"; done
      fi
    done
  } >"$file"
}

_ry_status_line() {
  local n=$1 attempts=0 reason=\${_ry_reason[$1]}
  [[ -n \${_ry_attempt_of[n]:-} ]] && attempts=\${_ry_attempt_of[n]}
  reason=\${reason//[$'\t\n\r']/ }
  printf '%s\t%s\t%s\t%s\n' "\${_ry_node_id[n]}" "\${_ry_state[n]}" "$attempts" "$reason"
}

# The summary line: how many of each, a loop counted as its instances.
_ry_summary() {
  local n state parts='' first='' completed=0 failed=0 skipped=0 cancelled=0
  for ((n = 0; n < _ry_nodes; n++)); do
    ((n < _ry_step_count)) && [[ -n \${_ry_loop_first[n]:-} ]] && continue
    state=\${_ry_state[n]}
    case $state in
      completed) completed=$((completed + 1)) ;;
      failed)
        failed=$((failed + 1))
        [[ -z $first && -n \${_ry_seq_of[n]:-} ]] && first=$n
        ;;
      skipped) skipped=$((skipped + 1)) ;;
      cancelled) cancelled=$((cancelled + 1)) ;;
    esac
  done
  ((completed)) && parts+=", $completed completed"
  ((failed)) && parts+=", $failed failed"
  ((skipped)) && parts+=", $skipped skipped"
  ((cancelled)) && parts+=", $cancelled cancelled"
  _ry_now
  _ry_format_ms $((_ry_ms - _ry_run_started))
  _ry_say "$_ry_final in $_ry_duration\${parts:+: \${parts#, }}"
  [[ -n $_ry_final_reason && $_ry_final == success ]] && _ry_say "  $_ry_final_reason"
  if [[ -n $first ]]; then
    printf -v parts '%s/%06d-%s' "$_ry_dir" "\${_ry_seq_of[first]}" "\${_ry_node_id[first]}"
    _ry_say "see what it wrote: $parts.out and .err"
  fi
}

_ry_main() {
  local s code=0
  _ry_parse_options "$@"
  unset "\${_ry_step_variables[@]}"
  _ry_umask=$(umask)
  _ry_setsid=$(command -v setsid 2>/dev/null) || _ry_setsid=''
  _ry_pkill='' _ry_pgrep=''
  if [[ -n $_ry_setsid ]]; then
    _ry_pkill=$(command -v pkill 2>/dev/null) || _ry_pkill=''
    _ry_pgrep=$(command -v pgrep 2>/dev/null) || _ry_pgrep=''
  fi
  for s in env mkfifo mktemp; do
    command -v "$s" >/dev/null 2>&1 || _ry_fatal "this script needs $s, which is not on PATH"
  done
  _ry_make_directory
  _ry_private=$_ry_dir/.runyard-export
  _ry_open_channels
  _ry_new_run_id
  _ry_state=() _ry_reason=() _ry_node_step=() _ry_node_id=() _ry_node_item=() _ry_node_index=()
  _ry_node_count=() _ry_pending=() _ry_ready=() _ry_loops=() _ry_running_nodes=() _ry_seq_of=()
  _ry_attempt_of=() _ry_seqs=() _ry_job=() _ry_job_kind=() _ry_sid=() _ry_started_ms=()
  _ry_own_names=() _ry_seen_names=() _ry_seen_done=() _ry_loop_first=() _ry_loop_end=()
  _ry_loop_next=() _ry_loop_released=() _ry_loop_remaining=() _ry_loop_limit=()
  _ry_loop_failed=() _ry_loop_failed_names=() _ry_loop_cancelled=() _ry_loop_start=()
  for ((s = 0; s < _ry_step_count; s++)); do
    _ry_state[s]=pending
    _ry_node_step[s]=$s
    _ry_node_id[s]=\${_ry_ids[s]}
    _ry_pending[s]=1
  done
  _ry_nodes=$_ry_step_count _ry_open=$_ry_step_count _ry_running=0 _ry_seq=0
  _ry_cancel_reason='' _ry_signals=0 _ry_signals_handled=0 _ry_signal_name=''
  trap '_ry_on_signal INT' INT
  trap '_ry_on_signal TERM' TERM
  trap '_ry_on_signal HUP' HUP
  _ry_say "runyard $_ry_name (bash export): run $_ry_run_id in $_ry_dir"
  _ry_now
  _ry_run_started=$_ry_ms
  _ry_schedule
  _ry_outcome
  _ry_write_status
  _ry_summary
  case $_ry_final in
    success) code=0 ;;
    failed) code=1 ;;
    *) code=130 ;;
  esac
  if [[ $_ry_final == success && -n $_ry_return_step ]]; then
    local key="$_ry_return_step:$_ry_return_output"
    if [[ -n \${_ry_out["$key"]+set} ]]; then
      printf '%s' "\${_ry_out["$key"]}" >"$_ry_dir/return_value.txt"
      if [[ \${_ry_out["$key"]} == *$'\n' ]]; then
        printf '%s' "\${_ry_out["$key"]}"
      else
        printf '%s\n' "\${_ry_out["$key"]}"
      fi
    else
      _ry_say "  warn: no return value: step \${_ry_ids[_ry_return_step]} did not set the output $_ry_return_output"
    fi
  fi
  exit "$code"
}
`;
