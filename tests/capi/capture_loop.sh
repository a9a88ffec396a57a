#!/usr/bin/env bash
# The C API's example, linked from C against the static archive and the shared library, run
# against a fresh spool: every frame and reading is queued, `lsedge status` sees them, and a
# spool at its size cap makes the example keep its frames (LSEDGE_SPOOL_FULL) rather than fail.
#   capture_loop.sh LSEDGE CAPTURE_LOOP_STATIC CAPTURE_LOOP_SHARED   (LSEDGE_EMULATOR: qemu-user)
set -euo pipefail
lsedge=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/lsedge-capi.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
run() { ${LSEDGE_EMULATOR:-} "$@"; }
for example in "$2" "$3"; do
  name=$(basename "$example")
  mkdir -p "$work/$name/captures"
  spool=$work/$name/spool
  out=$(run "$example" "$spool" "$work/$name/captures" 8) || fail "$name: exit $?"
  echo "$name: $out"
  grep -q '^lsedge [0-9.]*; project title "Dock camera 3 - forklift and pallet... (6b5805c9)"$' <<<"$out" ||
    fail "$name: no version and title line"
  grep -qF "queued 8 of 8 frames; the spool holds 10 entries (10 tasks," <<<"$out" ||
    fail "$name: not every frame and reading queued"
  status=$(run "$lsedge" status --spool "$spool")
  grep -qF "queued: 10 entries (10 tasks)" <<<"$status" || fail "$name: lsedge status: $status"
  [ "$(find "$spool/queue" -name .predictions.json | wc -l)" -eq 8 ] || fail "$name: predictions"
  run "$lsedge" spool limit --spool "$spool" --max-bytes 1 >/dev/null
  set +e
  err=$(run "$example" "$spool" "$work/$name/captures" 2 2>&1 >/dev/null)
  rc=$?
  set -e
  [ "$rc" -eq 1 ] || fail "$name: a full spool: exit $rc"
  grep -q "frame kept to queue later: spool_full" <<<"$err" || fail "$name: $err"
done
echo PASS
