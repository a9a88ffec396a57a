#!/usr/bin/env bash
# Record protection per cipher on a preset's Mbed TLS (bench/tls_ciphers/tls_ciphers.cpp): builds
# tls_ciphers (and on x86-64 tls_ciphers_soft, the same config without AES-NI) and prints
#   - instructions per 16 KiB record, sealed + opened, (I(N2) - I(N1)) / (N2 - N1): natively
#     callgrind's totals; for the cross presets the guest instructions qemu-user executed, from its
#     translation-block log (bench/qemu_insn_count.py; qemu 7.2 has no counting plugin);
#   - ns per record and MB/s from the program's own timing (natively; under qemu-user for the
#     cross presets, where times are the emulator's, not the board's: compare ciphers only).
#
# Usage: bench/tls_ciphers.sh [PRESET]    (default host-release; also firmware-host,
#        firmware-aarch64 (adds --software: Crypto Extensions detection forced off), firmware-armhf)
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-host-release}
build=build/$preset
[ -f "$build/build.ninja" ] || cmake --preset "$preset" >/dev/null
case "$preset" in
  *aarch64*) emulator=(qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/lib); targets=(tls_ciphers) ;;
  *armhf*) emulator=(qemu-arm -L /usr/arm-linux-gnueabihf -E LD_LIBRARY_PATH=/lib); targets=(tls_ciphers) ;;
  *) emulator=(); targets=(tls_ciphers tls_ciphers_soft) ;;
esac
cmake --build "$build" --target "${targets[@]}" >/dev/null
n1=10
n2=60
ciphers=(aes128gcm aes256gcm chacha20poly1305)

instructions() {  # BINARY CIPHER -> instructions per record
  local bin=$1 cipher=$2 i1 i2
  i1=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --records $n1 \
    --cipher "$cipher" 2>&1 >/dev/null | sed -n 's/.*Collected : *//p')
  i2=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" --records $n2 \
    --cipher "$cipher" 2>&1 >/dev/null | sed -n 's/.*Collected : *//p')
  echo $(((i2 - i1) / (n2 - n1)))
}

qemu_instructions() {  # BINARY CIPHER [ARGS] -> guest instructions per record under qemu-user
  local bin=$1 cipher=$2 log i1 i2
  shift 2
  log=$(mktemp)
  "${emulator[@]}" -d in_asm,exec,nochain -D "$log" "$bin" --records 1 --cipher "$cipher" "$@" \
    >/dev/null
  i1=$(/usr/bin/python3 bench/qemu_insn_count.py "$log")
  "${emulator[@]}" -d in_asm,exec,nochain -D "$log" "$bin" --records 3 --cipher "$cipher" "$@" \
    >/dev/null
  i2=$(/usr/bin/python3 bench/qemu_insn_count.py "$log")
  rm -f "$log"
  echo $(((i2 - i1) / 2))
}

echo "# $preset ($(git rev-parse --short HEAD), $(date -u +%Y-%m-%d))"
for target in "${targets[@]}"; do
  bin=$build/bench/$target
  echo "## $target"
  "${emulator[@]}" "$bin" --records 200
  if [ "${#emulator[@]}" = 0 ] && command -v valgrind >/dev/null; then
    for cipher in "${ciphers[@]}"; do
      echo "$cipher: $(instructions "$bin" "$cipher") instructions per 16 KiB record (seal + open)"
    done
  elif [ "${#emulator[@]}" != 0 ]; then
    for cipher in "${ciphers[@]}"; do
      echo "$cipher: $(qemu_instructions "$bin" "$cipher") guest instructions per 16 KiB record" \
        "(seal + open; qemu-user log)"
    done
  fi
done
if [[ "$preset" == *aarch64* ]]; then
  echo "## tls_ciphers --software (Crypto Extensions detection forced off)"
  "${emulator[@]}" "$build/bench/tls_ciphers" --records 200 --software
  for cipher in aes128gcm aes256gcm; do
    echo "$cipher: $(qemu_instructions "$build/bench/tls_ciphers" "$cipher" --software) guest" \
      "instructions per 16 KiB record (seal + open; qemu-user log)"
  done
fi
