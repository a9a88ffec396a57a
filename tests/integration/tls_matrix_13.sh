#!/usr/bin/env bash
# TLS 1.3-only servers (RSA and ECDSA certificates, and one that accepts only the secp384r1 group):
# full handshake, then resumption after nginx closed the idle connection; lsedge's debug log and
# nginx agree (tls_matrix.sh).
exec "$(dirname "$0")/tls_matrix.sh" 1.3
