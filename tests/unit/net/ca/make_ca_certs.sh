#!/bin/sh
# CTest fixture of unit_ca: a small throwaway PKI in DIR, made by openssl (not by the code under
# test):
#   root.crt           RSA root "lsedge ca tests / Root A"
#   root_again.crt     another key under the same subject as root.crt (a re-keyed root)
#   ec_root.crt        ECDSA P-256 root
#   long_root.crt      a root whose subject ends past byte 576 of its DER (long OU values)
#   intermediate.crt   signed by root.crt
#   leaf.crt           signed by intermediate.crt (CN=localhost)
#   stranger.crt       leaf signed by a root that is in no bundle (stranger_root.crt)
# Usage: make_ca_certs.sh DIR
set -eu
dir=${1:?usage: make_ca_certs.sh DIR}
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"

quiet() { "$@" >/dev/null 2>&1 || { echo "make_ca_certs.sh: failed: $*" >&2; exit 1; }; }

root() { # name subject keyopts...
  name=$1 subject=$2
  shift 2
  quiet openssl req -x509 -nodes -sha256 -days 3650 "$@" -keyout "$name.key" -out "$name.crt" \
    -subj "$subject" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign"
}

signed() { # name subject issuer ca(TRUE|FALSE)
  printf '%s\n' "basicConstraints=critical,CA:$4" "subjectAltName=DNS:localhost" >"$1.ext"
  quiet openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout "$1.key" -out "$1.csr" -subj "$2"
  quiet openssl x509 -req -sha256 -in "$1.csr" -CA "$3.crt" -CAkey "$3.key" \
    -set_serial "0x$(openssl rand -hex 12)" -days 30 -extfile "$1.ext" -out "$1.crt"
  rm -f "$1.csr" "$1.ext"
}

root root "/O=lsedge ca tests/CN=Root A" -newkey rsa:2048
root root_again "/O=lsedge ca tests/CN=Root A" -newkey rsa:2048
root ec_root "/O=lsedge ca tests/CN=Root EC" -newkey ec -pkeyopt ec_paramgen_curve:P-256
long=$(printf 'x%.0s' $(seq 1 60))
root long_root "/O=lsedge ca tests/OU=$long-1/OU=$long-2/OU=$long-3/OU=$long-4/OU=$long-5/OU=$long-6/CN=Long" \
  -newkey ec -pkeyopt ec_paramgen_curve:P-256
root stranger_root "/O=lsedge ca tests/CN=Stranger" -newkey ec -pkeyopt ec_paramgen_curve:P-256
signed intermediate "/O=lsedge ca tests/CN=Intermediate" root TRUE
signed leaf "/O=lsedge ca tests/CN=localhost" intermediate FALSE
signed stranger "/O=lsedge ca tests/CN=stranger" stranger_root FALSE
echo "certificates in $dir"
