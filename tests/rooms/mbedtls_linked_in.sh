#!/bin/sh
# lsedge carries its own Mbed TLS (3.6, built with the board's configuration): the executable
# must not need any shared Mbed TLS library (a system libmbedtls would be another version with
# another configuration). Reads the dynamic section, so it works for cross-built binaries too.
# Usage: mbedtls_linked_in.sh READELF LSEDGE
readelf=${1:?usage: mbedtls_linked_in.sh READELF LSEDGE}
binary=${2:?usage: mbedtls_linked_in.sh READELF LSEDGE}
needed=$("$readelf" -d "$binary") || { echo "cannot read $binary with $readelf"; exit 2; }
echo "$needed" | grep NEEDED
if echo "$needed" | grep -E 'NEEDED.*lib(mbedtls|mbedx509|mbedcrypto|tfpsacrypto)' >/dev/null; then
  echo "FAIL: $binary needs a shared Mbed TLS library"
  exit 1
fi
if ! "$readelf" -sW "$binary" | grep -q ' mbedtls_ssl_handshake$'; then
  echo "FAIL: $binary does not contain Mbed TLS (mbedtls_ssl_handshake)"
  exit 1
fi
echo "Mbed TLS is linked into $binary; no shared Mbed TLS library is needed"
