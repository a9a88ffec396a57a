#!/usr/bin/env bash
# TLS 1.2-only servers (RSA and ECDSA certificates): full handshake, then resumption after nginx
# closed the idle connection; lsedge's debug log and nginx agree (tls_matrix.sh).
exec "$(dirname "$0")/tls_matrix.sh" 1.2
