#!/usr/bin/env bash
# stop-slurm.sh - stop the private Slurm cluster that start-slurm.sh started in DIR.
#
# Usage:  stop-slurm.sh [DIR] [--purge]   (DIR default: $SLURM_CI_DIR or /tmp/runyard-slurm)
#
# Only processes whose PID is in DIR's PID files, and whose command line names
# DIR, are signalled (never by process name).  Jobs still queued/running on this
# private cluster are cancelled first so no slurmstepd/job processes are left
# behind.  --purge then deletes DIR (only if start-slurm.sh created it).
set -uo pipefail

DIR=${SLURM_CI_DIR:-/tmp/runyard-slurm}; PURGE=0
for a in "$@"; do
  case $a in --purge) PURGE=1;; -h|--help) sed -n 2,10p "$0"; exit 0;; *) DIR=$a;; esac
done
log() { printf '[stop-slurm %s] %s\n' "$(date +%T)" "$*" >&2; }
[ -d "$DIR" ] || { log "no such directory $DIR; nothing to stop"; exit 0; }
DIR=$(cd "$DIR" && pwd -P)
CONF=$DIR/slurm.conf
export SLURM_CONF=$CONF

pid_of_ours() {   # print the PID from PIDFILE if alive and its cmdline names $DIR
  local pid
  [ -s "$1" ] || return 1
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$DIR/" || return 1
  echo "$pid"
}
alive() {         # alive PID : exists and is not a zombie (PID 1 here reaps lazily)
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
stop_pid() {      # stop_pid NAME PID : TERM, wait up to 15 s, then KILL
  local name=$1 pid=$2 _
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 150); do alive "$pid" || { log "stopped $name (pid $pid)"; return 0; }; sleep 0.1; done
  log "$name (pid $pid) ignored SIGTERM; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

rc=0
# 1. cancel every job of this private cluster while slurmctld is still up
if pid_of_ours "$DIR/run/slurmctld.pid" >/dev/null; then
  mapfile -t jobs < <(squeue -h -o '%A' 2>/dev/null)
  if [ "${#jobs[@]}" -gt 0 ]; then
    log "cancelling jobs: ${jobs[*]}"
    scancel "${jobs[@]}" 2>/dev/null || true
    for _ in $(seq 150); do [ -z "$(squeue -h -o '%A' 2>/dev/null)" ] && break; sleep 0.1; done
  fi
fi

# 2. daemons, in reverse start order
if P=$(pid_of_ours "$DIR/run/slurmd.pid"); then stop_pid slurmd "$P"; else log "slurmd: not running from $DIR"; fi
if P=$(pid_of_ours "$DIR/run/slurmctld.pid"); then stop_pid slurmctld "$P"; else log "slurmctld: not running from $DIR"; fi
if P=$(pid_of_ours "$DIR/munge/munged.pid"); then stop_pid munged "$P"; else log "munged: not running from $DIR"; fi

# 3. report (do not kill) leftover job step daemons: their sockets live in the spool dir
left=$(find "$DIR/spool" -maxdepth 1 -type s 2>/dev/null | head -5)
[ -n "$left" ] && { log "WARNING: step sockets remain in $DIR/spool (slurmstepd still running?): $left"; rc=1; }

# 4. remove our /etc/slurm/slurm.conf symlink, if start-slurm.sh made one
if [ -L /etc/slurm/slurm.conf ] && [ "$(readlink /etc/slurm/slurm.conf)" = "$CONF" ]; then
  rm -f /etc/slurm/slurm.conf
fi

if [ "$PURGE" = 1 ]; then
  if [ -f "$DIR/.slurm-ci-dir" ]; then rm -rf -- "$DIR"; log "removed $DIR"
  else log "not purging $DIR: no .slurm-ci-dir marker"; rc=1; fi
fi
exit $rc
