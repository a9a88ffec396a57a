#!/bin/bash
# Starts the loopback Label Studio-compatible test server: gunicorn (Django) behind nginx, TLS + plain HTTP listeners,
# and the TLS matrix listeners (TLS 1.3 only / TLS 1.2 only, each with an RSA and an ECDSA certificate).
#
# Usage: start.sh [STATE_DIR] [--http-only] [--legacy on|off] [--access-lifetime SECONDS] [--workers N]
#
# STATE_DIR holds everything (DB, certs, logs, pid files, env); it is created if missing, and a new temp dir is made
# when it is omitted. Starting again on a stopped STATE_DIR restarts with the same data, tokens and ports.
# On success prints the env file (STATE_DIR/env) and exits 0; on failure stops whatever it started and exits 1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
PY=/usr/bin/python3
GUNICORN=/usr/bin/gunicorn
NGINX=/usr/sbin/nginx

sd=""
http_only=0
legacy=off
access_lifetime=300
workers=2

while [ $# -gt 0 ]; do
    case "$1" in
    --http-only) http_only=1 ;;
    --legacy) legacy=${2:?--legacy needs on or off}; shift ;;
    --access-lifetime) access_lifetime=${2:?--access-lifetime needs seconds}; shift ;;
    --workers) workers=${2:?--workers needs a number}; shift ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) echo "start.sh: unknown option $1" >&2; exit 2 ;;
    *) [ -z "$sd" ] || { echo "start.sh: one STATE_DIR only" >&2; exit 2; }; sd=$1 ;;
    esac
    shift
done

for tool in "$PY" "$GUNICORN" "$NGINX"; do
    [ -x "$tool" ] || { echo "start.sh: $tool not found (Debian packages: python3-django python3-djangorestframework python3-djangorestframework-simplejwt gunicorn nginx-light openssl)" >&2; exit 1; }
done
if [ "$http_only" = 0 ] && ! command -v openssl >/dev/null; then
    echo "start.sh: openssl not found (apt-get install openssl), or use --http-only" >&2
    exit 1
fi

if [ -z "$sd" ]; then
    sd=$(mktemp -d "${TMPDIR:-/tmp}/lsedge-server.XXXXXX")
fi
mkdir -p "$sd"
sd=$(cd "$sd" && pwd -P)
case "$sd" in
*[[:space:]]* | *\;* | *\'* | *\"*) echo "start.sh: STATE_DIR must not contain spaces or quotes: $sd" >&2; exit 2 ;;
esac

export LSSERVER_STATE_DIR="$sd"
export DJANGO_SETTINGS_MODULE=lsserver.settings
lsctl() { "$PY" "$here/lsctl.py" "$@"; }
manage() { (cd "$here" && "$PY" "$here/manage.py" "$@"); }

if lsctl running "$sd"; then
    echo "start.sh: $sd is already running; run stop.sh first" >&2
    exit 1
fi

mkdir -p "$sd/logs" "$sd/nginx-tmp" "$sd/media" "$sd/tmp"

started=0
fail() {
    echo "start.sh: $*" >&2
    for f in gunicorn.log nginx-error.log django.log; do
        if [ -s "$sd/logs/$f" ]; then
            echo "--- tail of $sd/logs/$f" >&2
            tail -n 15 "$sd/logs/$f" >&2
        fi
    done
    if [ "$started" = 1 ]; then
        "$here/stop.sh" "$sd" >&2 || true
    fi
    exit 1
}

# 1. Throwaway PKI (kept across restarts; made again, with a new CA, for a state dir from before the ECDSA leaf).
regen_certs=0
if [ "$http_only" = 0 ] && { [ ! -s "$sd/certs/server.crt" ] || [ ! -s "$sd/certs/server_ecdsa.crt" ]; }; then
    "$here/gen_certs.sh" "$sd/certs" || fail "certificate generation failed"
    regen_certs=1
fi

# 2. Database, user, organization, PAT, legacy key, a project.
if [ ! -s "$sd/db.sqlite3" ] || [ ! -s "$sd/pat.txt" ]; then
    rm -f "$sd/db.sqlite3" "$sd/db.sqlite3-wal" "$sd/db.sqlite3-shm"
    project_id=$(manage lstest setup --legacy "$legacy" --access-lifetime "$access_lifetime" 2>"$sd/logs/setup.log") ||
        fail "database setup failed: $(tail -n 5 "$sd/logs/setup.log")"
    echo "$project_id" >"$sd/project_id.txt"
    fresh=1
fi
project_id=$(cat "$sd/project_id.txt")
# A restart begins without leftover faults (the knobs file survives in STATE_DIR); setup has reset them already.
if [ "${fresh:-0}" = 0 ]; then
    manage lstest reset >/dev/null 2>>"$sd/logs/setup.log" || fail "could not reset the fault knobs"
fi

# 3. Ports (asked from the kernel just before use; reused on restart) and nginx.conf.
if [ ! -s "$sd/nginx.json" ]; then
    read -r backend_port https_port http_port < <(lsctl free-ports 3)
    cat >"$sd/nginx.json" <<EOF
{"backend_port": $backend_port, "https_port": $https_port, "http_port": $http_port, "cert": "good", "keepalive_timeout": 65, "http_only": $([ "$http_only" = 1 ] && echo true || echo false)}
EOF
    if [ "$http_only" = 0 ]; then
        lsctl install-cert "$sd" good
    fi
fi
if [ "$regen_certs" = 1 ] && [ -s "$sd/nginx.json" ]; then
    lsctl install-cert "$sd" "$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1])).get("cert", "good"))' "$sd/nginx.json")"
fi
# The TLS matrix listeners (lsctl.py MATRIX): TLS 1.3 only / TLS 1.2 only, each with the RSA and the ECDSA leaf, and
# TLS 1.3 only with the secp384r1 group only.
declare -A matrix_port=()
while IFS='=' read -r key port; do
    matrix_port[$key]=$port
done < <(lsctl matrix-ports "$sd")
read -r backend_port https_port http_port http_only_json < <("$PY" -c '
import json, sys
p = json.load(open(sys.argv[1]))
print(p["backend_port"], p["https_port"], p["http_port"], "true" if p.get("http_only") else "false")' "$sd/nginx.json")
lsctl render-nginx "$sd"

# 4. gunicorn (daemon, pid file) then nginx (daemon, pid file).
started=1
(cd "$here" && "$GUNICORN" --daemon --pid "$sd/gunicorn.pid" --bind "127.0.0.1:$backend_port" \
    --workers "$workers" --worker-class gthread --threads 8 --keep-alive 75 --timeout 300 --graceful-timeout 5 \
    --error-logfile "$sd/logs/gunicorn.log" --capture-output --chdir "$here" \
    --env "LSSERVER_STATE_DIR=$sd" --env DJANGO_SETTINGS_MODULE=lsserver.settings \
    lsserver.wsgi:application) || fail "gunicorn did not start"
lsctl wait-pidfile "$sd/gunicorn.pid" 15 >/dev/null || fail "gunicorn did not write its pid file"

"$NGINX" -p "$sd/" -c "$sd/nginx.conf" -e "$sd/logs/nginx-error.log" || fail "nginx did not start"
lsctl wait-pidfile "$sd/nginx.pid" 15 >/dev/null || fail "nginx did not write its pid file"

# 5. Ready when /health answers through nginx on every listener.
lsctl wait-health "http://127.0.0.1:$http_port" 30 || fail "server not healthy over HTTP"
https_url=""
if [ "$http_only_json" = false ]; then
    https_url="https://127.0.0.1:$https_port"
    lsctl wait-health "$https_url" 30 "$sd/certs/ca.crt" || fail "server not healthy over HTTPS"
    for key in "${!matrix_port[@]}"; do
        lsctl wait-health "https://127.0.0.1:${matrix_port[$key]}" 30 "$sd/certs/ca.crt" ||
            fail "server not healthy over HTTPS on the $key listener"
    done
fi
matrix_url() { [ -z "${matrix_port[$1]:-}" ] || echo "https://127.0.0.1:${matrix_port[$1]}"; }

# The readiness probes above are not the tests' requests.
: >"$sd/requests.log"

cat >"$sd/env" <<EOF
LSEDGE_TEST_STATE_DIR=$sd
LSEDGE_TEST_HTTPS_URL=$https_url
LSEDGE_TEST_HTTPS_LOCALHOST_URL=${https_url:+https://localhost:$https_port}
LSEDGE_TEST_HTTPS13_RSA_URL=$(matrix_url https13_rsa_port)
LSEDGE_TEST_HTTPS13_ECDSA_URL=$(matrix_url https13_ecdsa_port)
LSEDGE_TEST_HTTPS12_RSA_URL=$(matrix_url https12_rsa_port)
LSEDGE_TEST_HTTPS12_ECDSA_URL=$(matrix_url https12_ecdsa_port)
LSEDGE_TEST_HTTPS13_P384_URL=$(matrix_url https13_p384_port)
LSEDGE_TEST_HTTP_URL=http://127.0.0.1:$http_port
LSEDGE_TEST_BACKEND_URL=http://127.0.0.1:$backend_port
LSEDGE_TEST_CA_FILE=${https_url:+$sd/certs/ca.crt}
LSEDGE_TEST_OTHER_CA_FILE=${https_url:+$sd/certs/other_ca.crt}
LSEDGE_TEST_PAT_FILE=$sd/pat.txt
LSEDGE_TEST_LEGACY_KEY_FILE=$sd/legacy_key.txt
LSEDGE_TEST_PROJECT_ID=$project_id
LSEDGE_TEST_REQUEST_LOG=$sd/requests.log
LSEDGE_TEST_ADMIN_URL=http://127.0.0.1:$http_port/_test
LSEDGE_TEST_ADMIN_SECRET_FILE=$sd/test_secret.txt
LSEDGE_TEST_KNOB=$here/knob.sh
LSEDGE_TEST_ADMIN=$here/admin.sh
LSEDGE_TEST_STOP=$here/stop.sh
EOF
cat "$sd/env"
