#!/bin/bash
# Generates the throwaway PKI of the loopback test server into DIR (default: $STATE_DIR/certs):
#   ca.crt/.key                 test CA (what clients trust: LSEDGE_TEST_CA_FILE)
#   server.crt/.key             SAN IP:127.0.0.1, DNS:localhost, signed by ca        (knob cert=good)
#   server_ecdsa.crt/.key       same names, ECDSA P-256 key, signed by ca              (the *_ecdsa listeners)
#   wrong_host.crt/.key         SAN DNS:wrong.example, signed by ca                   (knob cert=wrong_host)
#   expired.crt/.key            127.0.0.1/localhost, signed by ca, expired in 2020    (knob cert=expired)
#   not_yet_valid.crt/.key      127.0.0.1/localhost, signed by ca, valid from 2099    (knob cert=not_yet_valid)
#   other_ca.crt/.key           an unrelated CA
#   other_ca_server.crt/.key    127.0.0.1/localhost, signed by other_ca               (knob cert=other_ca)
# Usage: gen_certs.sh DIR
set -euo pipefail

dir=${1:?usage: gen_certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

log=gen_certs.log
: >"$log"

run() {
    if ! "$@" >>"$log" 2>&1; then
        echo "gen_certs.sh: failed: $*" >&2
        tail -n 20 "$log" >&2
        exit 1
    fi
}

make_ca() { # name common-name
    run openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
        -keyout "$1.key" -out "$1.crt" -subj "/O=lsedge tests/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash"
}

leaf_ext() { # san [key-usage]
    cat <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,${2:-digitalSignature,keyEncipherment}
extendedKeyUsage=serverAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
subjectAltName=$1
EOF
}

make_leaf() { # name ca common-name san
    leaf_ext "$4" >"$1.ext"
    run openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout "$1.key" -out "$1.csr" -subj "/O=lsedge tests/CN=$3"
    run openssl x509 -req -sha256 -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -set_serial "0x$(openssl rand -hex 12)" \
        -days 825 -extfile "$1.ext" -out "$1.crt"
    rm -f "$1.csr" "$1.ext"
}

# An ECDSA P-256 leaf under the same (RSA) CA: the server signs the handshake with ECDSA, so no
# keyEncipherment (RFC 5480: an EC key does not encipher).
make_ecdsa_leaf() { # name ca common-name san
    leaf_ext "$4" digitalSignature >"$1.ext"
    run openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -keyout "$1.key" -out "$1.csr" \
        -subj "/O=lsedge tests/CN=$3"
    run openssl x509 -req -sha256 -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -set_serial "0x$(openssl rand -hex 12)" \
        -days 825 -extfile "$1.ext" -out "$1.crt"
    rm -f "$1.csr" "$1.ext"
}

make_dated_leaf() { # name ca common-name san startdate enddate  (openssl ca: the only way to back-date in 3.0)
    leaf_ext "$4" >"$1.ext"
    rm -rf "ca-db-$1"
    mkdir "ca-db-$1"
    : >"ca-db-$1/index.txt"
    openssl rand -hex 12 >"ca-db-$1/serial"
    cat >"ca-db-$1/ca.cnf" <<EOF
[ ca ]
default_ca = testca
[ testca ]
database = ca-db-$1/index.txt
new_certs_dir = ca-db-$1
serial = ca-db-$1/serial
certificate = $2.crt
private_key = $2.key
default_md = sha256
policy = policy_any
unique_subject = no
[ policy_any ]
organizationName = optional
commonName = supplied
EOF
    run openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout "$1.key" -out "$1.csr" -subj "/O=lsedge tests/CN=$3"
    run openssl ca -batch -notext -config "ca-db-$1/ca.cnf" -startdate "$5" -enddate "$6" \
        -extfile "$1.ext" -in "$1.csr" -out "$1.crt"
    rm -rf "$1.csr" "$1.ext" "ca-db-$1"
}

make_ca ca "lsedge test CA"
make_ca other_ca "lsedge unrelated CA"
make_leaf server ca "127.0.0.1" "IP:127.0.0.1,DNS:localhost"
make_ecdsa_leaf server_ecdsa ca "127.0.0.1" "IP:127.0.0.1,DNS:localhost"
make_leaf wrong_host ca "wrong.example" "DNS:wrong.example"
make_dated_leaf expired ca "127.0.0.1" "IP:127.0.0.1,DNS:localhost" 20200101000000Z 20200201000000Z
make_dated_leaf not_yet_valid ca "127.0.0.1" "IP:127.0.0.1,DNS:localhost" 20990101000000Z 20990201000000Z
make_leaf other_ca_server other_ca "127.0.0.1" "IP:127.0.0.1,DNS:localhost"
rm -f ./*.srl

# Sanity: the good certificate verifies against the CA, the others fail for the intended reason.
run openssl verify -CAfile ca.crt server.crt
run openssl verify -CAfile ca.crt server_ecdsa.crt
openssl x509 -in server_ecdsa.crt -noout -text 2>>"$log" | grep -q 'ASN1 OID: prime256v1' || {
    echo "gen_certs.sh: server_ecdsa.crt has no P-256 key" >&2
    exit 1
}
if openssl verify -CAfile ca.crt expired.crt >>"$log" 2>&1; then
    echo "gen_certs.sh: expired.crt unexpectedly verifies" >&2
    exit 1
fi
if openssl verify -CAfile ca.crt other_ca_server.crt >>"$log" 2>&1; then
    echo "gen_certs.sh: other_ca_server.crt unexpectedly verifies against ca.crt" >&2
    exit 1
fi
chmod 644 ./*.crt
