#!/bin/sh
# Each third-party library is included by one room only: llhttp by http/, cJSON by json/, Mbed
# TLS (mbedtls/ and psa/) by net/ (and the tests of those rooms). Fails naming every include
# outside its room.
root=${1:?usage: third_party_fenced.sh SOURCE_ROOT}
cd "$root" || exit 2
status=0
check() {  # check PATTERN ALLOWED_DIR...
  pattern=$1
  shift
  hits=$(grep -rlE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]$pattern" \
    firmware hal platform --include='*.h' --include='*.cpp' --include='*.c' || true)
  for file in $hits; do
    allowed=0
    for dir in "$@"; do
      case "$file" in "$dir"/*) allowed=1 ;; esac
    done
    if [ "$allowed" -eq 0 ]; then
      echo "$file includes $pattern, which only $* may include"
      status=1
    fi
  done
}
check 'llhttp\.h' firmware/http
check 'cjson/' firmware/json
check 'mbedtls/' firmware/net
check 'psa/' firmware/net
[ "$status" -eq 0 ] && echo "third-party headers stay in their rooms"
exit $status
