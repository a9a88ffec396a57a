#!/usr/bin/env bash
# LABEL_STUDIO_PIN_SHA256 (base64 SHA-256 of the server's SubjectPublicKeyInfo) is checked in
# addition to the chain.
. "$(dirname "$0")/lib.sh"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_API_TOKEN=$PAT
export LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
pin=$(openssl x509 -in "$LSEDGE_TEST_STATE_DIR/certs/serve.crt" -pubkey -noout |
  openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | openssl enc -base64)
LABEL_STUDIO_PIN_SHA256=$pin run_lsedge whoami
expect_rc 0
other=$(printf 'another key' | openssl dgst -sha256 -binary | openssl enc -base64)
LABEL_STUDIO_PIN_SHA256=$other run_lsedge whoami
expect_rc 4
expect_err "LABEL_STUDIO_PIN_SHA256"
LABEL_STUDIO_PIN_SHA256="not base64!" run_lsedge whoami
expect_rc 2
expect_err "LABEL_STUDIO_PIN_SHA256"
echo PASS
