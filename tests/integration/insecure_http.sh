#!/usr/bin/env bash
# http:// to a host that is not loopback is refused (exit 2) before any connection; allowing it
# explicitly logs a warning at every start.
. "$(dirname "$0")/lib.sh"
url=http://lsedge-gateway.invalid:8080
LABEL_STUDIO_URL=$url LABEL_STUDIO_API_TOKEN=$PAT run_lsedge whoami
expect_rc 2
expect_err "not loopback"
# When allowed, lsedge really tries: run it in a network namespace of its own so that not even
# the DNS query leaves this machine (the lookup then fails: exit 4).
need_net_namespace
for how in --allow-insecure-http LABEL_STUDIO_ALLOW_INSECURE_HTTP=1; do
  set +e
  if [ "$how" = --allow-insecure-http ]; then
    LABEL_STUDIO_URL=$url LABEL_STUDIO_API_TOKEN=$PAT unshare -n "$LSEDGE" whoami "$how" \
      >"$work/stdout" 2>"$work/stderr"
  else
    env "$how" LABEL_STUDIO_URL=$url LABEL_STUDIO_API_TOKEN=$PAT unshare -n "$LSEDGE" whoami \
      >"$work/stdout" 2>"$work/stderr"
  fi
  rc=$?
  set -e
  err=$(cat "$work/stderr")
  echo "allowed by $how -> exit $rc"
  printf '%s\n' "$err" | sed 's/^/  err: /'
  expect_rc 4
  expect_err "unencrypted"
done
echo PASS
