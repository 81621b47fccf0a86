// The exported script's runtime, part 3: foreach — a loop's items (written in the workflow,
// or read from its item file when it is due) and its instances, named as Runyard names them.
import { bash } from "./bash-text.js";

export const LOOPS = bash`# ---- foreach: a step's instances, from its items or from its item file read now ----

_ry_label_pattern='^[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.+-]{1,64}$'

# 100000 as 100,000.
_ry_thousands() {
  local digits=$1 text=''
  while ((\${#digits} > 3)); do
    text=",\${digits: -3}$text"
    digits=\${digits:0:\${#digits}-3}
  done
  _ry_grouped=$digits$text
}

# The items of file loop 's', one a line (spaces around trimmed, blank and # lines skipped),
# in _ry_items; false with _ry_problem saying why the loop cannot have them.
_ry_read_items() {
  local s=$1 path='' segment first=1 where size line
  local -a lines
  for segment in "\${_ry_file_segments[@]:\${_ry_file_from[s]}:\${_ry_file_count[s]}}"; do
    ((first)) || path+=$_ry_dir
    path+=$segment
    first=0
  done
  if [[ $path != /* ]]; then
    _ry_step_cwd "$s"
    path=$_ry_cwd_path/$path
  fi
  where="foreach file \${_ry_file_text[s]}"
  _ry_items=()
  if [[ ! -e $path ]]; then
    _ry_problem="cannot read its $where ($path): no such file"
  elif [[ ! -f $path ]]; then
    _ry_problem="cannot read its $where ($path): not a regular file"
  elif [[ ! -r $path ]]; then
    _ry_problem="cannot read its $where ($path): permission denied"
  else
    size=$(wc -c <"$path")
    if ((size > 16777216)); then
      _ry_problem="its $where is over 16 MiB: one item per line, at most 100,000 items"
      return 1
    fi
    mapfile -t lines <"$path"
    [[ \${#lines[@]} -gt 0 ]] && lines[0]=\${lines[0]#$'\xef\xbb\xbf'}
    for line in "\${lines[@]}"; do
      _ry_trim "$line"
      [[ -z $_ry_trimmed || $_ry_trimmed == '#'* ]] && continue
      _ry_items+=("$_ry_trimmed")
    done
    if ((\${#_ry_items[@]} > 100000)); then
      _ry_thousands "\${#_ry_items[@]}"
      _ry_problem="its $where has $_ry_grouped items: at most 100,000 are allowed in one loop"
      return 1
    fi
    return 0
  fi
  return 1
}

# Loop 's' is due: its instances join the nodes, and the loop runs until the last has ended.
_ry_expand() {
  local s=$1 count n index by_item=1 item note
  local -A seen=()
  if [[ \${_ry_loop[s]} == items ]]; then
    _ry_items=("\${_ry_item_values[@]:\${_ry_items_from[s]}:\${_ry_items_count[s]}}")
  elif ! _ry_read_items "$s"; then
    _ry_settle "$s" failed "$_ry_problem"
    return
  fi
  count=\${#_ry_items[@]}
  for item in "\${_ry_items[@]}"; do
    if [[ ! $item =~ $_ry_label_pattern || -n \${seen["x$item"]:-} ]]; then
      by_item=0
      break
    fi
    seen["x$item"]=1
  done
  note="$count items"
  ((count == 1)) && note='1 item'
  [[ \${_ry_loop[s]} == file ]] && note+=" from \${_ry_file_text[s]}"
  [[ -n \${_ry_parallel[s]} ]] && note+=", \${_ry_parallel[s]} at a time"
  _ry_state[s]=running
  _ry_loop_first[s]=$_ry_nodes
  _ry_loop_end[s]=$((_ry_nodes + count))
  _ry_loop_next[s]=$_ry_nodes
  _ry_loop_released[s]=0
  _ry_loop_remaining[s]=$count
  _ry_loop_limit[s]=\${_ry_parallel[s]:-1000000000}
  _ry_loop_failed[s]=0
  _ry_loop_failed_names[s]=''
  _ry_loop_cancelled[s]=0
  _ry_now
  _ry_loop_start[s]=$_ry_ms
  for ((index = 0; index < count; index++)); do
    n=$_ry_nodes
    _ry_state[n]=pending
    _ry_node_step[n]=$s
    if ((by_item)); then
      _ry_node_id[n]="\${_ry_ids[s]}[\${_ry_items[index]}]"
    else
      _ry_node_id[n]="\${_ry_ids[s]}[$index]"
    fi
    ((\${#_ry_node_id[n]} > _ry_width)) && _ry_width=\${#_ry_node_id[n]}
    _ry_node_item[n]=\${_ry_items[index]}
    _ry_node_index[n]=$index
    _ry_node_count[n]=$count
    _ry_nodes=$((n + 1))
  done
  _ry_open=$((_ry_open + count))
  _ry_line_for '⋯' "\${_ry_ids[s]}" "$note"
  if ((count == 0)); then
    _ry_end_loop "$s"
  else
    _ry_loops+=("$s")
  fi
}
`;
