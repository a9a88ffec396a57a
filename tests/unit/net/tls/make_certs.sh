#!/bin/sh
# CTest fixture of unit_tls: the throwaway PKI of tests/server/gen_certs.sh in DIR, plus
# server.pin = base64 SHA-256 of server.crt's SubjectPublicKeyInfo, computed by openssl (not by
# the code under test).
# Usage: make_certs.sh GEN_CERTS_SH DIR
set -eu
gen=${1:?usage: make_certs.sh GEN_CERTS_SH DIR}
dir=${2:?usage: make_certs.sh GEN_CERTS_SH DIR}
rm -rf "$dir"
bash "$gen" "$dir"
openssl x509 -in "$dir/server.crt" -pubkey -noout |
  openssl pkey -pubin -outform der |
  openssl dgst -sha256 -binary |
  openssl enc -base64 >"$dir/server.pin"
# server6: IPv6 SANs (gen_certs.sh has none), signed by the same CA.
cd "$dir"
printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'extendedKeyUsage=serverAuth' \
  'subjectAltName=IP:::1,IP:fd00:0:0:0:0:0:a:1,DNS:localhost' >server6.ext
openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout server6.key -out server6.csr \
  -subj "/O=lsedge tests/CN=ipv6" 2>/dev/null
openssl x509 -req -sha256 -in server6.csr -CA ca.crt -CAkey ca.key \
  -set_serial "0x$(openssl rand -hex 12)" -days 30 -extfile server6.ext -out server6.crt 2>/dev/null
rm -f server6.csr server6.ext
# server_ec: an ECDSA P-256 key (127.0.0.1/localhost), signed by the same (RSA) CA.
printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature' \
  'extendedKeyUsage=serverAuth' 'subjectAltName=IP:127.0.0.1,DNS:localhost' >server_ec.ext
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -keyout server_ec.key \
  -out server_ec.csr -subj "/O=lsedge tests/CN=ecdsa" 2>/dev/null
openssl x509 -req -sha256 -in server_ec.csr -CA ca.crt -CAkey ca.key \
  -set_serial "0x$(openssl rand -hex 12)" -days 30 -extfile server_ec.ext -out server_ec.crt 2>/dev/null
rm -f server_ec.csr server_ec.ext
echo "certificates in $dir"
