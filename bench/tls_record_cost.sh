#!/usr/bin/env bash
# TLS record-protection instructions per keep-alive call (issue #12's goal: at most a third of the
# Mbed TLS 2.28 build's ~47 k on host-release). Runs `lsedge check --count N --interval-ms 0`
# under callgrind for two N against the loopback server (tests/server, started and stopped here
# unless LSEDGE_STATE names a running one), and prints per call = (cost(N2) - cost(N1)) / (N2 - N1):
# all instructions, and the self cost of the functions that protect records, by group.
#
# Usage: bench/tls_record_cost.sh [BUILD_DIR] [N1 N2]    (default build/host-release 20 120)
# Needs valgrind. Prints the TLS version and suite the calls used (lsedge -vv).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/host-release}
n1=${2:-20}
n2=${3:-120}
lsedge=$(cd "$build" && pwd -P)/platform/linux/lsedge
[ -x "$lsedge" ] || { echo "$lsedge not built (cmake --build --preset host-release)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/lsedge-recordcost.XXXXXX")
state=${LSEDGE_STATE:-}
own_server=0
cleanup() {
  [ "$own_server" = 0 ] || tests/server/stop.sh "$state" >/dev/null 2>&1 || true
  [ "$own_server" = 0 ] || rm -rf "$state"
  rm -rf "$work"
}
trap cleanup EXIT
if [ -z "$state" ]; then
  state=$(mktemp -d "${TMPDIR:-/tmp}/lsedge-recordcost-server.XXXXXX")
  own_server=1
  tests/server/start.sh "$state" >/dev/null
fi
. "$state/env"
export LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL
export LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
LABEL_STUDIO_API_TOKEN=$(cat "$LSEDGE_TEST_PAT_FILE")
export LABEL_STUDIO_API_TOKEN
unset LABEL_STUDIO_API_KEY LABEL_STUDIO_ALLOW_INSECURE_HTTP

"$lsedge" -vv check --count 2 --interval-ms 0 2>&1 >/dev/null | grep -m1 'TLS full handshake' |
  sed 's/.*TLS full handshake/TLS: full handshake/' || true

for n in "$n1" "$n2"; do
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.$n" "$lsedge" check --count "$n" \
    --interval-ms 0 >"$work/out.$n" 2>"$work/err.$n" ||
    { cat "$work/err.$n" >&2; echo "lsedge check --count $n failed" >&2; exit 1; }
  callgrind_annotate --threshold=100 "$work/cg.$n" >"$work/ann.$n"
done

/usr/bin/python3 - "$work/ann.$n1" "$work/ann.$n2" "$n1" "$n2" <<'PY'
import re, sys
# Record protection, by group: the function names of Mbed TLS 3.6 (and 2.28) that seal and open
# records. Handshake-only code (ECDHE, RSA, X.509, the key schedule) does not run per call.
GROUPS = [  # each function counts in the first group that matches
    ("GCM (GHASH, counter mode)", re.compile(r"^(mbedtls_gcm|gcm_|mbedtls_aesni_gcm|mbedtls_aesce_gcm)")),
    ("AES block", re.compile(r"^(mbedtls_aes|aes_|mbedtls_internal_aes|mbedtls_aesni|aesni_|mbedtls_aesce|aesce_)")),
    ("ChaCha20-Poly1305", re.compile(r"^(mbedtls_chacha|chacha|mbedtls_poly1305|poly1305)")),
    ("hash/HMAC", re.compile(r"^(mbedtls_md|mbedtls_sha|mbedtls_internal_sha|sha256_|sha512_)")),
    ("record layer + cipher/PSA glue", re.compile(
        r"^(mbedtls_ssl_encrypt_buf|mbedtls_ssl_decrypt_buf|ssl_encrypt_buf|ssl_decrypt_buf|"
        r"mbedtls_cipher_|mbedtls_psa_aead|psa_aead|psa_driver_wrapper_aead|ssl_build_record_nonce|"
        r"ssl_extract_add_data|mbedtls_ct_|mbedtls_xor)")),
]
row = re.compile(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?(?:\S*:)?(\S+?)(?:'\d+)?\s+\[")
def parse(path):
    total, funcs = 0, {}
    for line in open(path):
        m = re.match(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?PROGRAM TOTALS", line)
        if m:
            total = int(m.group(1).replace(",", ""))
            continue
        m = row.match(line)
        if m:
            name = m.group(2)
            funcs[name] = funcs.get(name, 0) + int(m.group(1).replace(",", ""))
    return total, funcs
t1, f1 = parse(sys.argv[1])
t2, f2 = parse(sys.argv[2])
calls = int(sys.argv[4]) - int(sys.argv[3])
def group_of(name):
    for label, rx in GROUPS:
        if rx.search(name):
            return label
    return None
def group_cost(funcs, label):
    return sum(v for k, v in funcs.items() if group_of(k) == label)
print(f"per keep-alive call ((N={sys.argv[4]}) - (N={sys.argv[3]})) / {calls}:")
print(f"  all instructions: {(t2 - t1) / calls:,.0f}")
record = 0
for name, rx in GROUPS:
    c = (group_cost(f2, name) - group_cost(f1, name)) / calls
    record += c
    print(f"  {name}: {c:,.0f}")
print(f"  record protection in all: {record:,.0f} ({100 * record / ((t2 - t1) / calls):.1f} %)")
print("top functions per call (self):")
diff = sorted(((f2.get(k, 0) - f1.get(k, 0)) / calls, k) for k in set(f1) | set(f2))
for c, k in reversed(diff[-15:]):
    print(f"  {c:10,.0f}  {k}")
PY
