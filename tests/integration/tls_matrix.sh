#!/usr/bin/env bash
# Shared body of tls_matrix_13.sh and tls_matrix_12.sh (not a test of its own):
#   tls_matrix.sh 1.3|1.2
# Against the loopback server's listeners that speak only that TLS version (tests/server/README.md,
# "TLS matrix listeners"; nginx keep-alive 1 s there): one with an RSA-2048 and one with an ECDSA
# P-256 certificate, and for TLS 1.3 one that accepts only the secp384r1 group (a HelloRetryRequest
# unless lsedge's first key share is P-384). The TLS 1.2 ones prefer their own order, as Debian's
# stock nginx does, so the RSA one signs with RSA-PSS. One lsedge call each,
# `-vv check --count 2 --interval-ms 2500`: the first connection is a full handshake of that
# version; nginx closes it while lsedge idles, and the next connection resumes the session.
# lsedge's debug log and nginx (requests.log: listener port, protocol, cipher, r = resumed, group)
# must tell the same story. The calls run at once: their idle waits overlap (under qemu as well).
. "$(dirname "$0")/lib.sh"

version=${1:?usage: tls_matrix.sh 1.3|1.2}
case "$version" in
  1.3) tag=13 cases="RSA ECDSA P384" ;;
  1.2) tag=12 cases="RSA ECDSA" ;;
  *) fail "unknown TLS version $version" ;;
esac
want="TLSv$version"  # as mbedtls_ssl_get_version() and nginx's $ssl_protocol spell it

export LABEL_STUDIO_API_TOKEN=$PAT LABEL_STUDIO_CA_FILE=$LSEDGE_TEST_CA_FILE
clear_request_log

# A cipher-suite name without the spelling differences between Mbed TLS and OpenSSL:
# TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256 and ECDHE-ECDSA-AES128-GCM-SHA256 both become
# ECDHEECDSAAES128GCMSHA256; TLS1-3-AES-128-GCM-SHA256 and TLS_AES_128_GCM_SHA256 both
# AES128GCMSHA256. OpenSSL leaves the hash off its ChaCha20 TLS 1.2 names, so compare prefixes.
norm_suite() {
  tr '[:lower:]' '[:upper:]' <<<"$1" | sed -e 's/^TLS1-3-//' -e 's/^TLS[-_]//' -e 's/-WITH-/-/' |
    tr -d '_-'
}

declare -A port=() pid=()
for key in $cases; do
  url_var=LSEDGE_TEST_HTTPS${tag}_${key}_URL
  url=${!url_var:-}
  [ -n "$url" ] || fail "$url_var is not in the server's env (tests/server/start.sh too old?)"
  port[$key]=${url##*:}
  # The listener serves what its name says (a server-side check; lsedge's log does not show the
  # key type under TLS 1.3).
  alg=$(openssl s_client -connect "127.0.0.1:${port[$key]}" -servername localhost </dev/null 2>/dev/null |
    openssl x509 -noout -text 2>/dev/null | sed -n 's/^ *Public Key Algorithm: //p' | head -n 1)
  case "$key:$alg" in
    RSA:rsaEncryption | P384:rsaEncryption | ECDSA:id-ecPublicKey) ;;
    *) fail "listener $url ($want $key) serves a '$alg' key" ;;
  esac
done
for key in $cases; do
  LABEL_STUDIO_URL=https://127.0.0.1:${port[$key]} "$LSEDGE" -vv check --count 2 --interval-ms 2500 \
    >"$work/$key.out" 2>"$work/$key.err" &
  pid[$key]=$!
done

# All finish before any check can fail (no lsedge left running behind a failed test).
declare -A status=()
for key in $cases; do
  set +e
  wait "${pid[$key]}"
  status[$key]=$?
  set -e
done

# Each case is checked in a subshell (fail ends that case only), so a run reports every case.
check_case() {
  local key=$1 p=${port[$1]} rc=${status[$1]}
  echo "\$ LABEL_STUDIO_URL=https://127.0.0.1:$p lsedge -vv check --count 2 --interval-ms 2500" \
    "($want, $key) -> exit $rc"
  sed 's/^/  out: /' "$work/$key.out"
  grep -E 'TLS|warn|error|lsedge:' "$work/$key.err" | sed 's/^/  err: /' || true
  [ "$rc" -eq 0 ] || fail "$want $key: exit code $rc, expected 0"
  grep -q '^check 2: ok' "$work/$key.out" || fail "$want $key: no 'check 2: ok'"

  # lsedge's side: one full handshake, then only resumptions, all of this version.
  full=$(grep -c "TLS full handshake with 127.0.0.1:$p (" "$work/$key.err" || true)
  resumed=$(grep -c "TLS session resumed with 127.0.0.1:$p (" "$work/$key.err" || true)
  [ "$full" -eq 1 ] || fail "$want $key: $full full handshakes in lsedge's log, expected 1"
  [ "$resumed" -ge 1 ] ||
    fail "$want $key: no 'TLS session resumed' in lsedge's log after nginx closed the idle connection"
  versions=$(sed -n "s/.*TLS [a-z ]* with 127\.0\.0\.1:$p (\([^,]*\), .*/\1/p" "$work/$key.err" | sort -u)
  [ "$versions" = "$want" ] || fail "$want $key: lsedge negotiated '$versions'"
  suite=$(sed -n "s/.*TLS full handshake with 127\.0\.0\.1:$p ([^,]*, \([^)]*\)).*/\1/p" "$work/$key.err")
  [ -n "$suite" ] || fail "$want $key: no cipher suite in lsedge's handshake line"
  if [ "$version" = 1.2 ]; then
    # The TLS 1.2 suite names the server's signature algorithm.
    case "$key:$suite" in
      RSA:*-ECDHE-RSA-* | ECDSA:*-ECDHE-ECDSA-*) ;;
      *) fail "$want $key: suite $suite does not sign with $key" ;;
    esac
  fi

  # nginx's side: every request of this listener on $want; the first connection a full
  # handshake, every later one resumed, as many as lsedge resumed; the same cipher.
  awk -v p="$p" '$11 == p' "$LSEDGE_TEST_REQUEST_LOG" >"$work/$key.log"
  sed 's/^/  server: /' "$work/$key.log"
  if [ "$key" = P384 ]; then
    groups=$(awk '{print $15}' "$work/$key.log" | sort -u | tr '\n' ' ')
    [ "$groups" = "secp384r1 " ] || fail "$want $key: nginx saw key-exchange group(s) $groups"
  fi
  [ "$(grep -c . "$work/$key.log")" -ge 3 ] || fail "$want $key: expected a refresh and 2 whoami on port $p"
  bad=$(awk -v v="$want" '$12 != v {print $12}' "$work/$key.log" | sort -u | tr '\n' ' ')
  [ -z "$bad" ] || fail "$want $key: nginx saw protocol(s) $bad"
  awk '!seen[$7]++ {print $7, $14}' "$work/$key.log" >"$work/$key.conns"
  [ "$(head -n 1 "$work/$key.conns" | cut -d' ' -f2)" = . ] ||
    fail "$want $key: nginx reports the first connection resumed"
  server_resumed=$(tail -n +2 "$work/$key.conns" | awk '$2 == "r"' | wc -l)
  server_later=$(tail -n +2 "$work/$key.conns" | wc -l)
  if [ "$server_later" -lt 1 ] || [ "$server_resumed" -ne "$server_later" ]; then
    fail "$want $key: nginx resumed $server_resumed of $server_later later connections"
  fi
  [ "$server_resumed" -eq "$resumed" ] ||
    fail "$want $key: nginx resumed $server_resumed connections, lsedge logged $resumed"
  ciphers=$(awk '{print $13}' "$work/$key.log" | sort -u)
  [ "$(wc -l <<<"$ciphers")" -eq 1 ] || fail "$want $key: nginx saw several ciphers: $ciphers"
  server_norm=$(norm_suite "$ciphers")
  client_norm=$(norm_suite "$suite")
  if [ -z "$server_norm" ] || [ "${client_norm#"$server_norm"}" = "$client_norm" ]; then
    fail "$want $key: lsedge logged suite $suite, nginx $ciphers"
  fi
  echo "ok: $want $key: $suite, full handshake then $resumed resumed"
}

failed=""
for key in $cases; do
  (check_case "$key") || failed+=" $key"
done
[ -z "$failed" ] || fail "$want:$failed (see above)"
echo PASS
