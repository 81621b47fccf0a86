// The exported script's runtime, part 2: step outputs — reading an attempt's RUNYARD_OUTPUT
// file as @runyard/schema's parseStepOutputs does, and what each step sees from upstream.
import { bash } from "./bash-text.js";

export const OUTPUTS = bash`# ---- step outputs: KEY=value lines in $RUNYARD_OUTPUT, as Runyard reads them ----
# The grammar of @runyard/schema's parseStepOutputs: 'NAME=value' (the rest of the line, raw),
# 'NAME<<DELIMITER' … 'DELIMITER' for several lines, blank lines and '#' comments skipped, a
# trailing CR dropped; a bad line is a warning naming it, and the rest still counts. Values are
# kept per node (_ry_out["NODE:NAME"]); a step sees those of every step upstream of it, the one
# later in the workflow file winning a name (a loop's: its instances', the later item winning).

_ry_name_pattern='^[ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_][ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_]*$'

# $1 with the white space around it removed, in _ry_trimmed.
_ry_trim() {
  _ry_trimmed=\${1#"\${1%%[![:space:]]*}"}
  _ry_trimmed=\${_ry_trimmed%"\${_ry_trimmed##*[![:space:]]}"}
}

_ry_warn() {
  _ry_line_for '»' "\${_ry_node_id[$1]}" "warn: \${_ry_node_id[$1]}: $2"
}

# Why 'name' cannot be an output, or nothing.
_ry_name_problem() {
  _ry_problem=''
  if [[ ! $1 =~ $_ry_name_pattern ]]; then
    local quoted=\${1//\\/\\\\}
    _ry_problem="\"\${quoted//\"/\\\"}\" is not a variable name (letters, digits and _, not starting with a digit)"
  elif [[ $1 == RUNYARD_* ]]; then
    _ry_problem="$1 is Runyard's own name; not passed on"
  fi
}

_ry_keep_output() { # node name value
  [[ -n \${_ry_out["$1:$2"]+set} ]] || _ry_own_names[$1]+=" $2"
  _ry_out["$1:$2"]=$3
}

# What node 'n''s completed attempt wrote to its RUNYARD_OUTPUT file.
_ry_take_outputs() {
  local n=$1 file size index end line name delimiter value excerpt count
  local -a lines
  printf -v file '%s/%06d-%s.env' "$_ry_dir" "\${_ry_seq_of[n]}" "\${_ry_node_id[n]}"
  if [[ -L $file ]]; then
    _ry_warn "$n" 'RUNYARD_OUTPUT: it is a symbolic link; not read'
    return
  fi
  [[ -e $file ]] || return 0
  if [[ ! -f $file ]]; then
    _ry_warn "$n" 'RUNYARD_OUTPUT: it is not a regular file; not read'
    return
  fi
  size=$(wc -c <"$file")
  if ((size > 1048576)); then
    _ry_warn "$n" 'RUNYARD_OUTPUT: it is over 1 MiB; not read'
    return
  fi
  mapfile -t lines <"$file"
  count=\${#lines[@]}
  for ((index = 0; index < count; index++)); do
    line=\${lines[index]%$'\r'}
    _ry_trim "$line"
    [[ -z $_ry_trimmed || $_ry_trimmed == '#'* ]] && continue
    if [[ $line =~ ^([^=\<]*)\<\<(.+)$ ]]; then
      _ry_trim "\${BASH_REMATCH[1]}"
      name=$_ry_trimmed
      delimiter=\${BASH_REMATCH[2]}
      for ((end = index + 1; end < count; end++)); do
        [[ \${lines[end]%$'\r'} == "$delimiter" ]] && break
      done
      if ((end == count)); then
        _ry_warn "$n" "RUNYARD_OUTPUT line $((index + 1)): $name<<$delimiter is never closed by a line \"$delimiter\""
        break
      fi
      _ry_name_problem "$name"
      if [[ -n $_ry_problem ]]; then
        _ry_warn "$n" "RUNYARD_OUTPUT line $((index + 1)): $_ry_problem"
      else
        value=''
        local at
        for ((at = index + 1; at < end; at++)); do
          ((at > index + 1)) && value+=$'\n'
          value+=\${lines[at]%$'\r'}
        done
        _ry_keep_output "$n" "$name" "$value"
      fi
      index=$end
    elif [[ $line =~ ^([^=\<]*)=(.*)$ ]]; then
      value=\${BASH_REMATCH[2]}
      _ry_trim "\${BASH_REMATCH[1]}"
      name=$_ry_trimmed
      _ry_name_problem "$name"
      if [[ -n $_ry_problem ]]; then
        _ry_warn "$n" "RUNYARD_OUTPUT line $((index + 1)): $_ry_problem"
      else
        _ry_keep_output "$n" "$name" "$value"
      fi
    else
      excerpt=$line
      ((\${#excerpt} > 60)) && excerpt="\${excerpt:0:60}…"
      excerpt=\${excerpt//\\/\\\\}
      _ry_warn "$n" "RUNYARD_OUTPUT line $((index + 1)): expected NAME=value or NAME<<DELIMITER, got \"\${excerpt//\"/\\\"}\""
    fi
  done
}

# What step 's' (or an instance of it) sees: the outputs of every step upstream of it. Worked
# out once per step, when its first attempt starts (every need has ended by then).
_ry_upstream_outputs() {
  local s=$1 a need name
  [[ -n \${_ry_seen_done[s]:-} ]] && return
  _ry_seen_done[s]=1
  _ry_seen_names[s]=''
  local -a stack=(\${_ry_needs[s]}) upstream=()
  while ((\${#stack[@]} > 0)); do
    a=\${stack[\${#stack[@]} - 1]}
    unset "stack[$((\${#stack[@]} - 1))]"
    [[ -n \${upstream[a]:-} ]] && continue
    upstream[a]=1
    for need in \${_ry_needs[a]}; do stack+=("$need"); done
  done
  for a in "\${!upstream[@]}"; do
    for name in \${_ry_own_names[a]}; do
      [[ -n \${_ry_seen["$s:$name"]+set} ]] || _ry_seen_names[s]+=" $name"
      _ry_seen["$s:$name"]=\${_ry_out["$a:$name"]}
    done
  done
}
`;
