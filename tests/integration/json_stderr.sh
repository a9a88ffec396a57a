#!/usr/bin/env bash
# With --json, stderr carries only JSON: log lines (a warning, debug lines) are JSON objects too,
# as is the error, so every stderr line parses on its own.
. "$(dirname "$0")/lib.sh"

# every_line_json FILE: each line of FILE is a JSON object; prints how many lines there were.
every_line_json() {
  /usr/bin/python3 - "$1" <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
for line in lines:
    value = json.loads(line)
    assert isinstance(value, dict), line
print(len(lines))
PY
}

# Debug logging of a whole whoami against the server: many lines, all JSON.
LABEL_STUDIO_URL=$LSEDGE_TEST_HTTP_URL LABEL_STUDIO_API_TOKEN=$PAT run_lsedge --json -vv whoami
expect_rc 0
lines=$(every_line_json "$work/stderr") || fail "a stderr line is not JSON"
[ "$lines" -gt 0 ] || fail "expected debug log lines on stderr"
printf '%s' "$out" | /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)["username"]' ||
  fail "stdout is not the user as JSON"

# A warning (plain HTTP allowed to a non-loopback host), then a network error; in a network
# namespace of its own so that not even the DNS query leaves this machine (skipped without one).
need_net_namespace
set +e
LABEL_STUDIO_URL=http://lsedge-gateway.invalid:8080 LABEL_STUDIO_API_TOKEN=$PAT \
  unshare -n "$LSEDGE" --json whoami --allow-insecure-http >"$work/stdout" 2>"$work/stderr"
rc=$?
set -e
sed 's/^/  err: /' "$work/stderr"
expect_rc 4
lines=$(every_line_json "$work/stderr") || fail "a stderr line is not JSON"
[ "$lines" -ge 2 ] || fail "expected log lines and an error, got $lines lines"
/usr/bin/python3 - "$work/stderr" <<'PY' || fail "unexpected stderr objects"
import json, sys
objects = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
first, error = objects[0], objects[-1]
assert first["log"]["level"] == "warn" and "unencrypted" in first["log"]["message"], first
assert first["log"]["component"] == "app", first
assert all("log" in o for o in objects[:-1]), objects
assert error["error"]["exit_code"] == 4, error
PY
echo PASS
