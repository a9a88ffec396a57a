#!/usr/bin/env bash
# The system CA bundle (/etc/ssl/certs/ca-certificates.crt) is the default trust store: without
# LABEL_STUDIO_CA_FILE, lsedge trusts what it holds and only that; when it is missing (a minimal
# system without the ca-certificates package) the error says to install the package or to set
# LABEL_STUDIO_CA_FILE. The bundle is swapped in a private mount namespace (a tmpfs over
# /etc/ssl), so the test skips where the kernel refuses one (containers, chroots).
. "$(dirname "$0")/lib.sh"
bundle=/etc/ssl/certs/ca-certificates.crt
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_API_TOKEN=$PAT

# An unreadable LABEL_STUDIO_CA_FILE is the user's setting: no advice about the package.
LABEL_STUDIO_CA_FILE=$work/no-such-ca.pem run_lsedge whoami
expect_rc 2
expect_err "$work/no-such-ca.pem"
! grep -q "ca-certificates package" <<<"$err" || fail "the package advice for a set CA file"

need_mount_namespace
[ -d /etc/ssl ] || skip "no /etc/ssl to mount over (install openssl: scripts/setup.sh)"
# with_bundle PEM|none ARGS...: lsedge ARGS with the system bundle replaced by PEM (or absent).
with_bundle() {
  local pem=$1
  shift
  set +e
  unshare -m bash -c '
    set -e
    mount -t tmpfs -o size=1m tmpfs /etc/ssl
    if [ "$1" != none ]; then mkdir /etc/ssl/certs; cp "$1" "$2"; fi
    shift 2
    exec "$@"
  ' bundle "$pem" "$bundle" "$LSEDGE" "$@" >"$work/stdout" 2>"$work/stderr"
  rc=$?
  set -e
  out=$(cat "$work/stdout")
  err=$(cat "$work/stderr")
  echo "\$ lsedge $* (system bundle: $pem) -> exit $rc"
  [ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/  out: /'
  [ -z "$err" ] || printf '%s\n' "$err" | sed 's/^/  err: /'
}

# No bundle: exit 2, naming the file, the package and the setting.
with_bundle none whoami
expect_rc 2
expect_err "$bundle"
expect_err "install the ca-certificates package"
expect_err "LABEL_STUDIO_CA_FILE"
with_bundle none --json whoami
expect_rc 2
grep -q '"exit_code":2' <<<"$err" || fail "--json: no exit_code 2 in the error object"
grep -q 'ca-certificates package' <<<"$err" || fail "--json: no package advice"

# The bundle holds the server's CA: trusted without any setting.
with_bundle "$LSEDGE_TEST_CA_FILE" whoami
expect_rc 0
expect_out "username: edge"
# It holds another CA only: the server's certificate is refused (exit 4).
with_bundle "$LSEDGE_TEST_OTHER_CA_FILE" whoami
expect_rc 4
# LABEL_STUDIO_CA_FILE replaces the bundle, whatever the bundle holds.
LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE with_bundle none whoami
expect_rc 0
echo PASS
