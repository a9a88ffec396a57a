#!/usr/bin/env bash
# Certificate problems are exit 4, each with its own message naming the host.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_API_TOKEN=$PAT
host=${LSEDGE_TEST_HTTPS_URL#https://}
host=${host%%:*}

# A CA file that did not sign the server's certificate.
LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_OTHER_CA_FILE run_lsedge whoami
expect_rc 4
expect_err "not signed by a trusted CA"
expect_err "$host"
unknown_ca=$err

# The system trust store does not know the throwaway CA either.
run_lsedge whoami
expect_rc 4
expect_err "not signed by a trusted CA"

export LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
knob cert wrong_host
run_lsedge whoami
expect_rc 4
expect_err "another host name"
expect_err "$host"
wrong_host=$err

knob cert expired
run_lsedge whoami
expect_rc 4
expect_err "expired"
expired=$err

knob cert not_yet_valid
run_lsedge whoami
expect_rc 4
expect_err "clock"

knob cert good
run_lsedge whoami
expect_rc 0
[ "$unknown_ca" != "$wrong_host" ] && [ "$wrong_host" != "$expired" ] || fail "messages must differ"

# A CA file that is not a PEM bundle: a configuration error.
printf 'not a certificate\n' >"$work/bad.pem"
LABEL_STUDIO_CA_FILE=$work/bad.pem run_lsedge whoami
expect_rc 2
expect_err "bad.pem"
echo PASS
