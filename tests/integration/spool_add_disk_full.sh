#!/usr/bin/env bash
# `lsedge spool add` on a full disk (a 256 KiB tmpfs in a private mount namespace): a clear
# "disk full" error, exit 5, and nothing half-written in the queue. Skipped (exit 77, with the
# reason) where the kernel refuses the namespace or the mount (containers, chroots).
. "$(dirname "$0")/lib.sh"
need_mount_namespace
mkdir "$work/mnt"
# The first add fits; the second (8000 tasks) does not.
make_tasks "$work/small.json" 0 50 "fits"
make_tasks "$work/big.json" 0 8000 "crash"
unshare -m bash -c '
  set -e
  mount -t tmpfs -o size=256k tmpfs "$1"
  mkdir "$1/spool"
  "$2" spool add --spool "$1/spool" "$3" >"$1/ok.out" 2>&1
  rc=0; "$2" spool add --spool "$1/spool" --batch-bytes 65536 "$4" >"$5/full.out" 2>"$5/full.err" || rc=$?
  echo "$rc" >"$5/full.rc"
  ls -R "$1/spool" >"$5/tree.txt"
  find "$1/spool/queue" -name "*.json" | wc -l >"$5/entries.txt"
' full "$work/mnt" "$LSEDGE" "$work/small.json" "$work/big.json" "$work" 2>&1 || true
cat "$work/full.err"
[ "$(cat "$work/full.rc")" -eq 5 ] || fail "full disk: exit $(cat "$work/full.rc"), expected 5"
grep -q "disk full" "$work/full.err" || fail "full disk: no clear message"
[ "$(cat "$work/entries.txt")" -eq 1 ] || fail "full disk: the queue holds $(cat "$work/entries.txt") entries, expected the first add's 1"
echo PASS
