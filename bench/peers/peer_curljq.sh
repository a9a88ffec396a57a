#!/bin/bash
# A peer of lsedge for bench/compare.sh: what a gateway developer writes with bash + curl + jq.
#
#   peer_curljq.sh cold | whoami N | import PROJECT_ID FILE BATCH_BYTES
#   env: LS_URL (https://host:port), LS_PAT_FILE (the Personal Access Token), LS_CA_FILE (PEM)
#
# The PAT is exchanged at POST /api/token/refresh/ for an access token (Bearer), refreshed when
# less than 30 s of its lifetime (exp - iat of the access JWT) remain, timed by /proc/uptime
# (bash has no monotonic clock of its own; uptime does not follow the wall clock), and once after
# a 401 (the call is then retried once). One curl process per call, as such a script does: each
# opens its own TLS connection, so there is no keep-alive here. jq parses every answer; for
# import, one jq run cuts the file into compact batch bodies (greedy, at most BATCH_BYTES each).
# Tokens travel in files of a private temporary directory (curl -H @FILE, --data-binary @FILE),
# never on a command line. Any failure: a message on stderr, exit status 1.
set -euo pipefail

readonly REFRESH_MARGIN_S=30
access_deadline=0

die() { echo "peer_curljq: $*" >&2; exit 1; }

uptime_s() { local up _; read -r up _ </proc/uptime; echo "${up%.*}"; }

# http METHOD PATH [BODY_FILE [TIMEOUT]]: the HTTP status on stdout, the answer in $tmp/answer.
# $tmp/auth holds the Authorization header (empty for the token refresh).
http() {
  local method=$1 path=$2 body=${3:-} timeout=${4:-60}
  local args=(--silent --show-error --cacert "$LS_CA_FILE" --connect-timeout 10 --max-time "$timeout"
    -X "$method" -H 'Accept: application/json' -o "$tmp/answer" -w '%{http_code}')
  [ ! -s "$tmp/auth" ] || args+=(-H "@$tmp/auth")
  [ -z "$body" ] || args+=(-H 'Content-Type: application/json' --data-binary "@$body")
  curl "${args[@]}" "$LS_URL$path" || die "$method $path: curl failed"
}

exchange_pat() {
  local sent status lifetime
  sent=$(uptime_s)
  : >"$tmp/auth"
  jq -n --rawfile pat "$LS_PAT_FILE" '{refresh: ($pat | gsub("^\\s+|\\s+$"; ""))}' >"$tmp/refresh.json"
  status=$(http POST /api/token/refresh/ "$tmp/refresh.json")
  [ "$status" = 200 ] || die "token refresh answered HTTP $status"
  # The header file and exp - iat from the access JWT's payload (base64url).
  jq -r '"Authorization: Bearer " + .access' "$tmp/answer" >"$tmp/auth"
  lifetime=$(jq -r '.access | split(".")[1] | gsub("-"; "+") | gsub("_"; "/")
      | (. + ("=" * ((4 - length % 4) % 4))) | @base64d | fromjson | .exp - .iat | floor' "$tmp/answer") ||
    die "access token has no usable exp/iat"
  access_deadline=$((sent + lifetime - REFRESH_MARGIN_S))
}

# api METHOD PATH [BODY_FILE [TIMEOUT]]: an authenticated call, refreshed ahead of expiry and once
# after a 401. The status on stdout, the answer in $tmp/answer.
api() {
  local status
  [ "$(uptime_s)" -lt "$access_deadline" ] || exchange_pat
  status=$(http "$@")
  if [ "$status" = 401 ]; then
    exchange_pat
    status=$(http "$@")
  fi
  echo "$status"
}

# whoami JQ_FORMAT [ARGS]: one whoami, its answer printed through the jq filter. Never called in
# $(...): a refresh must update access_deadline in this shell, not in a subshell.
whoami() {
  local status
  api GET /api/current-user/whoami >"$tmp/status"
  status=$(<"$tmp/status")
  [ "$status" = 200 ] || die "whoami answered HTTP $status"
  jq -re "select(.id != null and .username != null) | $1" "${@:2}" "$tmp/answer" ||
    die "whoami answer is not a user"
}

# The tasks of FILE as lines "COUNT BODY": greedy batches of compact JSON, each body at most
# MAX bytes (a task alone larger than MAX is an error).
make_batches() {
  jq -r --argjson max "$2" '
    if type != "array" then error("not a JSON array") else . end
    | reduce (.[] | tojson) as $t ({done: [], cur: [], size: 2};
        ($t | utf8bytelength) as $n
        | if $n + 2 > $max then error("a task of \($n) bytes does not fit in \($max)")
          elif (.cur | length) > 0 and .size + 1 + $n > $max
          then .done += [.cur] | .cur = [$t] | .size = 2 + $n
          else .size += $n + (if (.cur | length) > 0 then 1 else 0 end) | .cur += [$t] end)
    | (.done + (if (.cur | length) > 0 then [.cur] else [] end))[]
    | "\(length) [" + join(",") + "]"' "$1"
}

run_import() {
  local project=$1 file=$2 max=$3 count body status answered total=0 imported=0 requests=0
  make_batches "$file" "$max" >"$tmp/batches" || die "cannot batch $file"
  while read -r count body; do
    printf '%s' "$body" >"$tmp/body"
    api POST "/api/projects/$project/import" "$tmp/body" 300 >"$tmp/status"
    status=$(<"$tmp/status")
    [ "$status" = 201 ] || die "import answered HTTP $status: $(head -c 300 "$tmp/answer")"
    answered=$(jq -e '.task_count' "$tmp/answer") || die "import answer has no task_count"
    total=$((total + count))
    imported=$((imported + answered))
    requests=$((requests + 1))
  done <"$tmp/batches"
  [ "$imported" = "$total" ] || die "the server counted $imported tasks, the file has $total"
  echo "imported $imported tasks in $requests requests"
}

main() {
  : "${LS_URL:?LS_URL is not set}" "${LS_PAT_FILE:?LS_PAT_FILE is not set}" "${LS_CA_FILE:?LS_CA_FILE is not set}"
  tmp=$(umask 077 && mktemp -d "${TMPDIR:-/tmp}/peer_curljq.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  case "${1:-}:$#" in
    cold:1) whoami '"id: \(.id)\nemail: \(.email)\nusername: \(.username)"' ;;
    whoami:2)
      [ "$2" -ge 1 ] 2>/dev/null || die "whoami N: N must be a number >= 1"
      local i
      # shellcheck disable=SC2016 # a jq filter
      for ((i = 1; i <= $2; i++)); do whoami '"check \($i): ok, user \(.username)"' --arg i "$i"; done ;;
    import:4) run_import "$2" "$3" "$4" ;;
    *) echo "usage: peer_curljq.sh cold | whoami N | import PROJECT_ID FILE BATCH_BYTES" >&2; exit 2 ;;
  esac
}

main "$@"
