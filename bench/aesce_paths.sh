#!/usr/bin/env bash
# Both AES paths of the aarch64 build in a real TLS session: `lsedge -vv whoami` (firmware-aarch64)
# against the loopback server under qemu-aarch64 with
#   - the default CPU (max) and a Cortex-A53: Armv8 Crypto Extensions present;
#   - a Cortex-A53 whose AT_HWCAP hides AES/PMULL (LD_PRELOAD bench/hwcap_mask.c): a core
#     without them (qemu 7.2 has no such model).
# Prints the TLS line and how many AESE/PMULL instructions qemu translated (its -d in_asm log):
# > 0 means the Crypto Extensions code ran, 0 means the tables did.
#
# Usage: bench/aesce_paths.sh [BUILD_DIR]    (default build/firmware-aarch64)
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(cd "${1:-build/firmware-aarch64}" && pwd -P)
lsedge=$build/platform/linux/lsedge
[ -x "$lsedge" ] || { echo "$lsedge not built" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/lsedge-aesce.XXXXXX")
state=$work/server
trap 'tests/server/stop.sh "$state" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
tests/server/start.sh "$state" >/dev/null
. "$state/env"
aarch64-linux-gnu-gcc -shared -fPIC -O2 -o "$work/hwcap_mask.so" bench/hwcap_mask.c -ldl

run() {  # LABEL QEMU-ARGS...
  local label=$1 rc
  shift
  set +e
  LABEL_STUDIO_URL=$LSEDGE_TEST_HTTPS_URL LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE \
    LABEL_STUDIO_API_TOKEN=$(cat "$LSEDGE_TEST_PAT_FILE") \
    qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/lib "$@" -d in_asm -D "$work/asm.log" "$lsedge" -vv whoami \
    >"$work/out" 2>"$work/err"
  rc=$?
  set -e
  echo "## $label: exit $rc"
  grep -m1 'TLS full handshake' "$work/err" | sed 's/^.*TLS full/  TLS full/' || true
  echo "  AESE translated: $(grep -cw aese "$work/asm.log" || true)," \
    "PMULL translated: $(grep -cwE 'pmull2?' "$work/asm.log" || true)"
  [ "$rc" = 0 ] || sed 's/^/  err: /' "$work/err" | tail -5
}
run "qemu -cpu max (Crypto Extensions)"
run "qemu -cpu cortex-a53 (Crypto Extensions)" -cpu cortex-a53
run "qemu -cpu cortex-a53, AT_HWCAP without AES/PMULL" -cpu cortex-a53 \
  -E LD_PRELOAD="$work/hwcap_mask.so"
