#!/usr/bin/env bash
# Issue #11: the spool never touches what is not a spool (a home-like directory given to `run`
# or `spool add` is refused with exit 2 and left byte for byte as it was); `run` never creates a
# spool (exit 2) and `spool add` says when it does; a file or device as the spool is exit 2
# naming it; one `run` per spool (a second exits 2 at once, `spool add` goes on); an earlier
# release's spool is adopted; a corrupt entry goes to rejected/ instead of to the server.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
export LABEL_STUDIO_API_TOKEN=$PAT
project=$(new_project "Spool safety")
make_tasks "$work/t.json" 0 10 "safe"
listing() { (cd "$1" && find . -printf '%p %s %y\n' | sort && find . -type f -exec md5sum {} + | sort); }

# A home-like directory: the user's files, and a tmp/ of the user's files (one named like a claim).
home=$work/home
mkdir -p "$home/tmp/0123456789abcdef" "$home/queue"
echo "thesis" >"$home/thesis.tex"
echo "draft" >"$home/tmp/draft.txt"
echo "looks like a claim" >"$home/tmp/0123456789abcdef.claim"
before=$(listing "$home")
run_lsedge run --spool "$home" --project "$project" --once
expect_rc 2
expect_err "is not an lsedge spool"
expect_err "$home is not empty"
[ "$(listing "$home")" = "$before" ] || fail "run changed the home directory"
run_lsedge spool add --spool "$home" "$work/t.json"
expect_rc 2
expect_err "is not an lsedge spool"
[ "$(listing "$home")" = "$before" ] || fail "spool add changed the home directory"
# The same for a `/`-like directory (holds only directories).
root=$work/root
mkdir -p "$root/etc" "$root/var"
before=$(listing "$root")
run_lsedge spool add --spool "$root" "$work/t.json"
expect_rc 2
[ "$(listing "$root")" = "$before" ] || fail "spool add created something in a /-like directory"

# run never creates a spool; spool add does and says so.
run_lsedge run --spool "$work/typo" --project "$project" --once
expect_rc 2
expect_err "'run' never creates one"
expect_err "$work/typo: no such directory"
[ ! -e "$work/typo" ] || fail "run created the spool"
spool=$work/spool
run_lsedge spool add --spool "$spool" "$work/t.json"
expect_rc 0
expect_err "created spool $spool"
[ "$(cat "$spool/lsedge-spool")" = "lsedge spool 2" ] || fail "no marker"
[ "$(stat -c %s "$spool/consumer.lock")" -eq 512 ] || fail "the lock file lacks its 512 bytes"
run_lsedge spool add --spool "$spool" "$work/t.json"
expect_rc 0
grep -q "created spool" <<<"$err" && fail "said created for an existing spool"

# A file or a device as the spool: exit 2, naming it.
for path in "$work/t.json" /dev/null; do
  run_lsedge run --spool "$path" --project "$project" --once
  expect_rc 2
  expect_err "$path is a file or device, not a directory"
  run_lsedge spool add --spool "$path" "$work/t.json"
  expect_rc 2
  expect_err "$path is a file or device, not a directory"
done

# One consumer: a second run exits 2 at once while the first runs; adds go on.
"$LSEDGE" --json run --spool "$spool" --project "$project" --poll-ms 200 >"$work/daemon.out" 2>"$work/daemon.err" &
daemon=$!
wait_for_line "$work/daemon.out" '"event":"started"' || fail "the daemon did not start"
started=$(date +%s%N)
run_lsedge run --spool "$spool" --project "$project" --once
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
expect_rc 2
expect_err "already draining this spool"
expect_err "$spool/consumer.lock"
[ "$elapsed_ms" -lt 5000 ] || fail "the second run took ${elapsed_ms} ms to refuse"
run_lsedge spool add --spool "$spool" "$work/t.json"
expect_rc 0
for _ in $(seq 100); do
  [ -z "$(find "$spool/queue" -name '*.json')" ] && break
  sleep 0.1
done
[ -z "$(find "$spool/queue" -name '*.json')" ] || fail "the daemon did not drain the add made meanwhile"
stop_daemon TERM "$daemon"
[ "$daemon_rc" -eq 0 ] || fail "the daemon exited $daemon_rc"
[ "$(admin tasks "$project" | grep -o '"tag": "safe"' | wc -l)" -eq 30 ] || fail "expected 30 tasks once each"

# An earlier release's spool (no marker, no lock file, a .sending marker) is adopted and drained.
old=$work/old
group=$old/queue/00000000000000000007
mkdir -p "$group" "$old/tmp" "$old/rejected"
printf '[{"data":{"id":500,"tag":"old"}}]' >"$group/0000000000-1.json"
: >"$group/0000000000-1.json.sending"
run_lsedge run --spool "$old" --project "$project" --once
expect_rc 0
expect_err "adopted $old, a spool of an earlier lsedge release"
expect_err "resending 00000000000000000007/0000000000-1.json"
[ -f "$old/lsedge-spool" ] && [ -f "$old/consumer.lock" ] || fail "the old spool was not marked"
[ -z "$(ls "$old/queue")" ] || fail "the old spool was not drained"

# Corrupt entries (only damage makes them) go to rejected/ with the reason, not to the server.
corrupt=$work/corrupt
make_tasks "$work/c.json" 1000 4 "corrupt"
for _ in 1 2 3; do
  run_lsedge spool add --spool "$corrupt" "$work/c.json"
  expect_rc 0
done
entries=$(find "$corrupt/queue" -name '*.json' | sort)
: >"$(sed -n 1p <<<"$entries")"
printf '[{"data":{"id":1},"x":' >"$(sed -n 2p <<<"$entries")"
clear_request_log
run_lsedge run --spool "$corrupt" --project "$project" --once
expect_rc 0
expect_err "not sending the corrupt entry"
[ "$(count_requests " /api/projects/$project/import")" -eq 1 ] || fail "a corrupt entry was sent"
[ "$(ls "$corrupt/rejected" | grep -c '\.json$')" -eq 2 ] || fail "the corrupt entries are not in rejected/"
grep -q "the entry file is empty (0 bytes)" "$corrupt"/rejected/*.reason.txt || fail "no reason for the empty entry"
grep -q "at byte" "$corrupt"/rejected/*.reason.txt || fail "no byte offset for the cut entry"
[ "$(admin tasks "$project" | grep -o '"tag": "corrupt"' | wc -l)" -eq 4 ] || fail "expected the good entry's 4 tasks"
echo PASS
