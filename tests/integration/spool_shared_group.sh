#!/usr/bin/env bash
# Issue #13: a capture app (its own uid) and the upload service (another uid) share one spool
# through a group: a setgid spool directory of that group, both processes with umask 007
# (docs/spool.md). Both orders: the producer's `spool add` makes the spool, or the service's
# `run` does (on the empty directory a package's tmpfiles.d entry makes). Before issue #13 the
# spool's files were 0600 and its directories 0700 whatever the umask: the second user failed.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip "needs root to run lsedge as two other users"
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
group=61100
producer=(setpriv --reuid=61001 --regid=61001 --groups="$group" --inh-caps=-all)
service=(setpriv --reuid=61002 --regid=61002 --groups="$group" --inh-caps=-all)

# The binary and the CA where the two users can reach them (the build tree may be root-only).
chmod 0755 "$work"
install -m 0755 "$LSEDGE" "$work/lsedge"
install -m 0644 "$LSEDGE_TEST_CA_FILE" "$work/ca.pem"
mkdir -m 0755 "$work/cwd"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$work/ca.pem
export LABEL_STUDIO_API_TOKEN=$PAT
project=$(new_project "Shared spool")

# as WHO ARGS...: lsedge as that user with umask 007; sets $rc, $out, $err.
as() {
  local -n who=$1
  shift
  set +e
  out=$(cd "$work/cwd" && umask 007 && "${who[@]}" "$work/lsedge" "$@" 2>"$work/stderr")
  rc=$?
  set -e
  err=$(cat "$work/stderr")
}
expect_ok() { [ "$rc" = 0 ] || fail "$1: exit $rc: $err"; }
# Nothing in the spool for others, everything in the group, every directory setgid.
check_modes() {
  local bad
  bad=$(find "$1" \( -perm /007 -o ! -group "$group" -o \( -type d ! -perm -2000 \) \) \
    -printf '%p %m %g\n')
  [ -z "$bad" ] || fail "spool entries open to others, outside the group or not setgid: $bad"
}
shared_dir() {
  mkdir "$work/$1"
  chgrp "$group" "$work/$1"
  chmod 2770 "$work/$1"
}

first=0
add_as_producer() {
  make_tasks "$work/t$first.json" "$first" 5 shared
  chmod 0644 "$work/t$first.json"
  as producer spool add --spool "$1" "$work/t$first.json"
  expect_ok "spool add as the capture app"
  first=$((first + 5))
}
drain_as_service() {
  as service run --spool "$1" --project "$project" --once
  expect_ok "run as the service"
  [ -z "$(find "$1/queue" -type f)" ] || fail "run left entries in $1/queue"
}

# The capture app makes the spool; the service drains it; both go on.
shared_dir producer-first
add_as_producer "$work/producer-first"
[ -f "$work/producer-first/lsedge-spool" ] || fail "spool add did not make the spool"
check_modes "$work/producer-first"
drain_as_service "$work/producer-first"
add_as_producer "$work/producer-first"
drain_as_service "$work/producer-first"
check_modes "$work/producer-first"

# The service starts first on the empty directory; then the app adds.
shared_dir service-first
as service run --spool "$work/service-first" --project "$project" --once
expect_ok "run as the service on an empty directory"
[ -f "$work/service-first/lsedge-spool" ] || fail "run did not make the spool"
add_as_producer "$work/service-first"
drain_as_service "$work/service-first"
add_as_producer "$work/service-first"
drain_as_service "$work/service-first"
check_modes "$work/service-first"

# A capture app with a narrower umask (077): its entries are its own, the service cannot take
# them. `run` stops with exit 2 (a setting to fix: systemd does not restart it) naming the
# permission; nothing is lost, and one chmod lets the service go on.
make_tasks "$work/narrow.json" "$first" 5 shared
chmod 0644 "$work/narrow.json"
set +e
err=$(cd "$work/cwd" && umask 077 && "${producer[@]}" "$work/lsedge" spool add \
  --spool "$work/service-first" "$work/narrow.json" 2>&1)
rc=$?
set -e
expect_ok "spool add with umask 077"
first=$((first + 5))
as service run --spool "$work/service-first" --project "$project" --once
[ "$rc" = 2 ] || fail "run on an entry it may not take: exit $rc (expected 2): $err"
grep -q "permission to the local file or directory is denied" <<<"$err" ||
  fail "run did not say what is wrong: $err"
[ -n "$(find "$work/service-first/queue" -type f)" ] || fail "the refused entry is gone"
chmod -R g+rwX "$work/service-first"
drain_as_service "$work/service-first"

# Media with predictions: a frame of the spool's group that the group may read is hard-linked,
# the capture app's private one is copied; the service uploads both and confirms them (their
# directories are removed by a user who did not make them).
mkdir -m 0755 "$work/cam"
head -c 3000 /dev/urandom >"$work/cam/shared.jpg"
head -c 3000 /dev/urandom >"$work/cam/private.jpg"
printf '[{"result": [], "score": 0.5, "model_version": "m1"}]\n' >"$work/cam/shared.json"
chown 61001:"$group" "$work/cam/shared.jpg" && chmod 0640 "$work/cam/shared.jpg"
chown 61001:61001 "$work/cam/private.jpg" && chmod 0600 "$work/cam/private.jpg"
chmod 0644 "$work/cam/shared.json"
knob predictions_validation none  # the project has no labeling config to check them against
as producer spool add --spool "$work/service-first" --media "$work/cam/shared.jpg" \
  --predictions "$work/cam/shared.json" "$work/cam/private.jpg"
expect_ok "spool add --media as the capture app"
grep -q "1 hard-linked" <<<"$out" || fail "the group-readable frame was not hard-linked: $out"
check_modes "$work/service-first/queue"
drain_as_service "$work/service-first"
knob predictions_validation strict
[ -z "$(find "$work/service-first/tmp" -mindepth 1)" ] || fail "confirmed media left in tmp/"
[ -f "$work/cam/shared.jpg" ] && [ -f "$work/cam/private.jpg" ] || fail "a capture was removed"
first=$((first + 2))
grep -q '"model_version": "m1"' <<<"$(admin tasks "$project")" || fail "the predictions are not on the server"

server_tasks "$project" "$work/server.json"
got=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/server.json")
[ "$got" -eq "$first" ] || fail "the server holds $got tasks, expected $first"
echo "ok: two users shared both spools, $first tasks uploaded"
