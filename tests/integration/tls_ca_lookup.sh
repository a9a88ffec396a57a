#!/usr/bin/env bash
# Trusted roots are looked up on demand in the CA file, one PEM block at a time: the README's
# company-CA case (the system bundle with the server's CA appended) works on every board, the
# gateways' 48 KiB Mbed TLS pool included (parsing the whole bundle there ended in "Mbed TLS ran
# out of memory", exit 5). Only the matching root is parsed; a bundle without it is still an
# unknown CA (exit 4); a block larger than LSEDGE_CA_PEM_BLOCK_LIMIT is skipped with a warning.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_API_TOKEN=$PAT
system=/etc/ssl/certs/ca-certificates.crt
[ -s "$system" ] || skip "no system CA bundle here (install ca-certificates: scripts/setup.sh)"

# expect_pool_fits: in firmware builds (Mbed TLS on its static pool) the handshake's peak fits.
expect_pool_fits() {
  local line peak size
  line=$(grep -o 'TLS pool: .*' <<<"$err" | tail -n 1) || return 0
  peak=$(sed -E 's/.*peak ([0-9]+) bytes.*/\1/' <<<"$line")
  size=$(sed -E 's/.* of ([0-9]+)$/\1/' <<<"$line")
  [ "$peak" -lt "$size" ] || fail "TLS pool peak $peak of $size"
}

# The company CA after the ~140 system roots, and before them.
cat "$system" "$LSEDGE_TEST_CA_FILE" >"$work/company.pem"
LABEL_STUDIO_CA_FILE=$work/company.pem run_lsedge -vv whoami
expect_rc 0
expect_out "username: edge"
expect_err "CA lookup: 1 issuer(s) looked up"
expect_err "1 root(s) parsed"
expect_pool_fits
cat "$LSEDGE_TEST_CA_FILE" "$system" >"$work/first.pem"
LABEL_STUDIO_CA_FILE=$work/first.pem run_lsedge whoami
expect_rc 0

# The system bundle with another CA: the certificate is refused as an unknown CA, not a memory
# or configuration error.
cat "$system" "$LSEDGE_TEST_OTHER_CA_FILE" >"$work/other.pem"
LABEL_STUDIO_CA_FILE=$work/other.pem run_lsedge whoami
expect_rc 4
expect_err "not signed by a trusted CA"

# A block too large for the block buffer before the CA: skipped and named, the CA still found.
{
  echo "-----BEGIN CERTIFICATE-----"
  head -c 6000 /dev/zero | tr '\0' 'A' | fold -w 64
  echo "-----END CERTIFICATE-----"
  cat "$LSEDGE_TEST_CA_FILE"
} >"$work/oversized.pem"
LABEL_STUDIO_CA_FILE=$work/oversized.pem run_lsedge whoami
expect_rc 0
expect_err "1 certificate(s) in $work/oversized.pem are larger than LSEDGE_CA_PEM_BLOCK_LIMIT"
[ "$(grep -c "larger than LSEDGE_CA_PEM_BLOCK_LIMIT" <<<"$err")" -eq 1 ] || fail "warned more than once"
echo PASS
