#!/usr/bin/env bash
# lsedge holds the PAT and access tokens in memory: it turns core files off (RLIMIT_CORE 0) and
# makes itself non-dumpable (PR_SET_DUMPABLE 0), so neither a crash nor another process of the
# same user reads them through /proc/PID (environ, mem) or ptrace. The second half runs lsedge and
# the reader as an unprivileged user (setpriv: needs root), beside a control process that is
# readable.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$PAT

# wait_comm PID NAME: until PID runs NAME (each wrapper before it has exec'd the next).
wait_comm() {
  for _ in $(seq 100); do
    [ "$(cat "/proc/$1/comm" 2>/dev/null)" != "$2" ] || return 0
    sleep 0.05
  done
  fail "$2 did not start"
}
# A long-running lsedge (whoami every 100 ms for up to a minute), from / so that no ./.env is
# read, with core files allowed as far as this machine lets a process allow them.
start_check() {
  (cd / && ulimit -c unlimited 2>/dev/null; ulimit -S -c "$(ulimit -H -c)" &&
    exec "$@" "$LSEDGE" check --count 600 --interval-ms 100 >/dev/null 2>&1) &
  pid=$!
  wait_comm "$pid" lsedge
}
stop_check() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

core_limit=$(ulimit -c unlimited 2>/dev/null; ulimit -S -c "$(ulimit -H -c)"; ulimit -c)
[ "$core_limit" != 0 ] ||
  skip "the hard core-file limit here is 0 for every process: lsedge's own setting cannot show"
start_check
grep -E '^Max core file size +0 +0 ' "/proc/$pid/limits" ||
  { grep 'core' "/proc/$pid/limits"; stop_check; fail "core files are not off (RLIMIT_CORE)"; }
stop_check

[ "$(id -u)" -eq 0 ] || skip "needs root to run lsedge and a reader as another user (setpriv)"
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
"${as_nobody[@]}" true 2>/dev/null || skip "setpriv cannot switch to uid 65534 here"
"${as_nobody[@]}" test -x "$LSEDGE" ||
  skip "uid 65534 cannot run $LSEDGE (a directory on its path is not searchable)"
# Control: an ordinary process of that user is readable by another of its processes.
(cd / && exec "${as_nobody[@]}" env LSEDGE_PROBE=visible sleep 30) &
control=$!
wait_comm "$control" sleep
"${as_nobody[@]}" cat "/proc/$control/environ" | tr '\0' '\n' | grep -qx LSEDGE_PROBE=visible ||
  { kill "$control"; fail "control: the same user cannot read an ordinary process's environ"; }
kill "$control"
wait "$control" 2>/dev/null || true

start_check "${as_nobody[@]}"
set +e
"${as_nobody[@]}" cat "/proc/$pid/environ" >"$work/environ" 2>"$work/environ.err"
read_rc=$?
set -e
alive=$(kill -0 "$pid" 2>/dev/null && echo yes || echo no)
stop_check
echo "environ read as the same user: exit $read_rc ($(tr '\n' ' ' <"$work/environ.err"))"
[ "$alive" = yes ] || fail "lsedge check ended before the reads (not a test of a running lsedge)"
[ "$read_rc" -ne 0 ] || fail "another process of the same user read lsedge's environment"
! grep -qF "$PAT" "$work/environ" || fail "the PAT was read from /proc/PID/environ"
echo PASS
