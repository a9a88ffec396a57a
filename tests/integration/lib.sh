# Shared helpers for the integration tests: each test is a bash script run by ctest with
#   LSEDGE        the lsedge binary under test
#   LSEDGE_STATE  the loopback server's STATE_DIR (tests/server/start.sh)
set -euo pipefail

: "${LSEDGE:?LSEDGE must name the lsedge binary}"
: "${LSEDGE_STATE:?LSEDGE_STATE must name the server state dir}"
# shellcheck disable=SC1091
. "$LSEDGE_STATE/env"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
server_dir=$(cd "$here/../server" && pwd -P)

work=$(mktemp -d "${TMPDIR:-/tmp}/lsedge-it.XXXXXX")
trap 'rm -rf "$work"; "$server_dir/admin.sh" "$LSEDGE_STATE" reset >/dev/null 2>&1 || true' EXIT
# No setting may leak in from the machine running the tests.
unset LABEL_STUDIO_URL LABEL_STUDIO_API_TOKEN LABEL_STUDIO_API_KEY LABEL_STUDIO_CA_FILE \
  LABEL_STUDIO_ALLOW_INSECURE_HTTP
cd "$work"

PAT=$(cat "$LSEDGE_TEST_PAT_FILE")
LEGACY_KEY=$(cat "$LSEDGE_TEST_LEGACY_KEY_FILE")

# shellcheck disable=SC1091
. "$here/../verdict.sh"  # fail, skip
# need_mount_namespace: skips unless a private mount namespace with a tmpfs in it can be made
# (unshare -m, then mount: root, and not in a container or chroot that refuses them).
need_mount_namespace() {
  mkdir -p "$work/.probe-mnt"
  unshare -m sh -c 'mount -t tmpfs -o size=16k tmpfs "$1"' probe "$work/.probe-mnt" \
    >"$work/.probe.err" 2>&1 ||
    skip "needs a private mount namespace and a tmpfs (unshare -m, mount -t tmpfs; root outside" \
      "a container or chroot): $(tr '\n' ' ' <"$work/.probe.err" | head -c 200)"
  rmdir "$work/.probe-mnt"
}
# need_net_namespace: skips unless a private network namespace can be made (unshare -n).
need_net_namespace() {
  unshare -n true >"$work/.probe.err" 2>&1 ||
    skip "needs a private network namespace (unshare -n; root outside a container or chroot):" \
      "$(tr '\n' ' ' <"$work/.probe.err" | head -c 200)"
}

# run_lsedge ARGS...: runs lsedge, keeping stdout, stderr and the exit code in $out, $err, $rc.
run_lsedge() {
  set +e
  "$LSEDGE" "$@" >"$work/stdout" 2>"$work/stderr"
  rc=$?
  set -e
  out=$(cat "$work/stdout")
  err=$(cat "$work/stderr")
  echo "\$ lsedge $* -> exit $rc"
  [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/  out: /'
  [ -z "$err" ] || printf '%s\n' "$err" | sed 's/^/  err: /'
}

expect_rc() {
  [ "$rc" -eq "$1" ] || fail "expected exit code $1, got $rc"
}
expect_out() {
  grep -qF -- "$1" <<<"$out" || fail "stdout lacks: $1"
}
expect_err() {
  grep -qF -- "$1" <<<"$err" || fail "stderr lacks: $1"
}
knob() { "$server_dir/knob.sh" "$LSEDGE_STATE" "$@" >/dev/null; }
admin() { "$server_dir/admin.sh" "$LSEDGE_STATE" "$@"; }
# Requests to PATH_REGEX (e.g. ' /api/token/refresh/? ') in the server's request log.
count_requests() { grep -cE -- "$1" "$LSEDGE_TEST_REQUEST_LOG" || true; }
clear_request_log() { admin clear-log >/dev/null; }

# --- spool and run helpers ---
# make_tasks FILE FROM COUNT [TAG]: a JSON array of COUNT tasks {"data":{"id":N,"tag":TAG}}, ids
# FROM.. (unique ids let spool_check.py tell every task apart on the server).
make_tasks() {
  /usr/bin/python3 - "$@" <<'PY'
import json, sys
path, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
tag = sys.argv[4] if len(sys.argv) > 4 else "t"
with open(path, "w") as f:
    json.dump([{"data": {"id": i, "tag": tag, "text": "task %d" % i}} for i in range(first, first + count)], f)
PY
}
# new_project TITLE: project ensure for this test's own project; prints its id.
new_project() {
  "$LSEDGE" project ensure --title "$1 ${work##*.}"
}
spool_check() { /usr/bin/python3 "$here/spool_check.py" "$@"; }
# The tasks of PROJECT on the server, as JSON, into FILE.
server_tasks() { admin tasks "$1" >"$2"; }
# stop_daemon SIGNAL PID: signals a background lsedge and waits for it; sets $daemon_rc and
# $elapsed_ms (signal to exit).
stop_daemon() {
  local started
  started=$(date +%s%N)
  kill "-$1" "$2"
  set +e
  wait "$2"
  daemon_rc=$?
  set -e
  elapsed_ms=$((($(date +%s%N) - started) / 1000000))
}

# kill_rounds SPOOL PROJECT ROUNDS SEED: `lsedge run` killed with SIGKILL after 0-900 ms, ROUNDS
# times (reproducible from SEED); each round's stdout/stderr in $work/logs/N.out, N.err (for the
# duplicate accounting), one line per round.
kill_rounds() {
  local round pid delay_ms
  mkdir -p "$work/logs"
  RANDOM=$4
  for round in $(seq "$3"); do
    "$LSEDGE" run --spool "$1" --project "$2" --retry-cap-ms 200 \
      >"$work/logs/$round.out" 2>"$work/logs/$round.err" &
    pid=$!
    delay_ms=$((RANDOM % 900))
    sleep "$(printf '0.%03d' "$delay_ms")"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "round $round: killed after ${delay_ms} ms; $(find "$1/queue" -name '*.media' | wc -l) media entries left, $(find "$1/queue" -name .task | wc -l) with their task created"
  done
}

# --- Label Studio-like server helpers (issue #10) ---
# make_label_config FILE N: an image-detection label config with N labels, each with a colour
# (150 labels give ~7.9 KB); its tasks need data.image.
make_label_config() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
colors = ["#FF0000", "#00FF00", "#0000FF", "#FFA500", "#800080", "#008080"]
with open(sys.argv[1], "w") as f:
    f.write('<View>\n  <Image name="image" value="$image"/>\n  <RectangleLabels name="label" toName="image">\n')
    for i in range(int(sys.argv[2])):
        f.write('    <Label value="class_%03d" background="%s"/>\n' % (i, colors[i % 6]))
    f.write("  </RectangleLabels>\n</View>\n")
PY
}
# project_with_config TITLE FILE: a project created on the server side (no lsedge) with that
# label config; prints its id.
project_with_config() { admin project-create "$1 ${work##*.}" "$2"; }
# count_status STATUS: requests in the server's log answered STATUS (e.g. 401).
count_status() { awk -v s="$1" '$4 == s' "$LSEDGE_TEST_REQUEST_LOG" | wc -l; }

# Waits up to $3 seconds (default 30: a TLS start-up under qemu on a loaded machine) for a line of
# file $1 matching $2; fails (returns 1) when none came.
wait_for_line() {
  local i
  for ((i = 0; i < ${3:-30} * 10; i++)); do
    grep -q -- "$2" "$1" && return 0
    sleep 0.1
  done
  grep -q -- "$2" "$1"
}
