// The exported script's runtime, part 5: the scheduler — the executor's walk of the DAG
// (conditions, skips, loops, the parallel limits, retries, cancel) over the jobs' reports.
import { bash } from "./bash-text.js";

export const SCHEDULE = bash`# ---- the scheduler: the DAG walked as Runyard's executor walks it ----
# Nodes are the workflow's steps (0 … step count - 1, in file order) and then the instances of
# foreach steps, appended as each loop is expanded. A step is decided once in a pass over the
# pending steps in file order (skipped as soon as a need it requires did not complete; run
# once every need has ended and its 'if' holds); ready steps, then the loops' next instances,
# take the free slots in that order. Every node's end comes back as a line on fd 7.

_ry_line_for() { # mark id text
  _ry_pad "$2"
  _ry_say "  $1 $_ry_padded $3"
}

# Ends node 'n' with 'status'; 'line' is what runyard run would print for it.
_ry_end_node() {
  local n=$1 status=$2 reason=$3 s
  _ry_state[n]=$status
  _ry_reason[n]=$reason
  _ry_open=$((_ry_open - 1))
  if [[ -n \${_ry_running_nodes[n]:-} ]]; then
    unset "_ry_running_nodes[$n]"
    _ry_running=$((_ry_running - 1))
  fi
  ((n < _ry_step_count)) && unset "_ry_pending[$n]" "_ry_ready[$n]"
  ((n < _ry_step_count)) && return
  s=\${_ry_node_step[n]}
  _ry_loop_released[s]=$((_ry_loop_released[s] - 1))
  _ry_loop_remaining[s]=$((_ry_loop_remaining[s] - 1))
  if [[ $status == failed ]]; then
    ((_ry_loop_failed[s] < 3)) && _ry_loop_failed_names[s]+="\${_ry_loop_failed_names[s]:+, }\${_ry_node_id[n]}"
    _ry_loop_failed[s]=$((_ry_loop_failed[s] + 1))
  elif [[ $status == cancelled ]]; then
    _ry_loop_cancelled[s]=$((_ry_loop_cancelled[s] + 1))
  fi
  ((_ry_loop_remaining[s] == 0)) && _ry_end_loop "$s"
}

# A node that ran no attempt: skipped, cancelled before it started, or a loop without items.
_ry_settle() {
  local n=$1 status=$2 reason=$3
  case $status in
    skipped) _ry_line_for '○' "\${_ry_node_id[n]}" "skipped — $reason" ;;
    cancelled) _ry_line_for '■' "\${_ry_node_id[n]}" "cancelled — $reason" ;;
    failed) _ry_line_for '✗' "\${_ry_node_id[n]}" "failed (failed) — $reason" ;;
  esac
  _ry_end_node "$n" "$status" "$reason"
}

# Every instance of loop 's' has ended: the loop ends as they did, with their outputs.
_ry_end_loop() {
  local s=$1 count=$((_ry_loop_end[$1] - _ry_loop_first[$1])) items=items status reason i n name mark
  ((count == 1)) && items=item
  if ((_ry_loop_failed[s] > 0)); then
    status=failed mark='✗'
    reason="\${_ry_loop_failed[s]} of $count $items failed: \${_ry_loop_failed_names[s]}"
    ((_ry_loop_failed[s] > 3)) && reason+=", and $((_ry_loop_failed[s] - 3)) more"
  elif ((_ry_loop_cancelled[s] > 0)); then
    status=cancelled mark='■'
    reason="\${_ry_loop_cancelled[s]} of $count $items cancelled"
  else
    status=completed mark='✓'
    if ((count == 0)); then
      reason='no items'
    elif ((count == 1)); then
      reason='its item completed'
    else
      reason="all $count items completed"
    fi
  fi
  for ((n = _ry_loop_first[s]; n < _ry_loop_end[s]; n++)); do
    for name in \${_ry_own_names[n]}; do
      [[ -n \${_ry_out["$s:$name"]+set} ]] || _ry_own_names[s]+=" $name"
      _ry_out["$s:$name"]=\${_ry_out["$n:$name"]}
    done
  done
  for i in "\${!_ry_loops[@]}"; do
    [[ \${_ry_loops[i]} == "$s" ]] && unset "_ry_loops[$i]"
  done
  _ry_now
  _ry_format_ms $((_ry_ms - _ry_loop_start[s]))
  _ry_line_for "$mark" "\${_ry_node_id[s]}" "$status in $_ry_duration — $reason"
  _ry_end_node "$s" "$status" "$reason"
}

# Decides pending step 's'; true when its state changed (which may decide others).
_ry_visit() {
  local s=$1 need state blocker='' blocked='' waiting=0 failed=0
  for need in \${_ry_needs[s]}; do
    state=\${_ry_state[need]}
    case $state in
      completed) ;;
      failed | skipped | cancelled)
        [[ $state == failed ]] && failed=1
        [[ -z $blocker ]] && blocker=$need blocked=$state
        ;;
      *) waiting=1 ;;
    esac
  done
  if [[ \${_ry_cond[s]} == success && -n $blocker ]]; then
    local which="was $blocked"
    [[ $blocked == failed ]] && which=failed
    _ry_settle "$s" skipped "needs \"\${_ry_ids[blocker]}\", which $which"
    return 0
  fi
  ((waiting)) && return 1
  if [[ \${_ry_cond[s]} == failure ]] && ((!failed)); then
    _ry_settle "$s" skipped 'if: failure, and none of its needs failed'
    return 0
  fi
  unset "_ry_pending[$s]"
  if [[ -n \${_ry_loop[s]} ]]; then
    _ry_expand "$s"
    return 0
  fi
  _ry_ready[s]=1
  return 1
}

# Starts what may start: ready steps first (file order), then the loops' next instances (in
# the order the loops were expanded), while the run has free slots and each loop its own.
_ry_fill() {
  local s n i
  while ((_ry_running < _ry_max)); do
    n=''
    for s in "\${!_ry_ready[@]}"; do
      n=$s
      unset "_ry_ready[$s]"
      break
    done
    if [[ -z $n ]]; then
      for i in "\${!_ry_loops[@]}"; do
        s=\${_ry_loops[i]}
        if ((_ry_loop_released[s] < _ry_loop_limit[s] && _ry_loop_next[s] < _ry_loop_end[s])); then
          n=\${_ry_loop_next[s]}
          _ry_loop_next[s]=$((n + 1))
          _ry_loop_released[s]=$((_ry_loop_released[s] + 1))
          break
        fi
      done
    fi
    [[ -n $n ]] || return 0
    _ry_state[n]=running
    _ry_running_nodes[n]=1
    _ry_running=$((_ry_running + 1))
    _ry_start_attempt "$n" 1
  done
}

_ry_pump() {
  [[ -n $_ry_cancel_reason ]] && return
  local changed=1 s
  while ((changed)); do
    changed=0
    for s in "\${!_ry_pending[@]}"; do
      [[ -n \${_ry_pending[s]:-} ]] || continue
      _ry_visit "$s" && changed=1
    done
  done
  _ry_fill
}

# Reads one report into _ry_report, waiting at most $1 seconds. A read that times out keeps
# what it had of a line (bash reads a pipe a byte at a time, and the clock may run out in the
# middle of a line being written), to be completed by the next.
_ry_read_report() {
  local line
  if IFS= read -r -t "$1" -u 7 line; then
    _ry_report=$_ry_partial$line
    _ry_partial=''
    return 0
  fi
  _ry_partial+=$line
  return 1
}

_ry_schedule() {
  _ry_partial=''
  _ry_pump
  while ((_ry_open > 0)); do
    if _ry_read_report 1; then
      _ry_on_report "$_ry_report"
      _ry_handle_signals
    else
      # A signal ends the wait early: the cancel first, so a job it ended is not taken as lost.
      _ry_handle_signals
      _ry_check_jobs
    fi
    _ry_pump
  done
}
`;
