#!/usr/bin/env bash
# ctest fixture: start or stop the loopback server in STATE_DIR.
# start: a fresh state dir every run; stop: stops it and checks that nothing is left running.
set -euo pipefail
action=$1
state=$2
server_dir=$(cd "$(dirname "$0")/../server" && pwd -P)
case "$action" in
  start)
    if [ -f "$state/env" ]; then
      "$server_dir/stop.sh" "$state" >/dev/null 2>&1 || true
    fi
    rm -rf "$state"
    "$server_dir/start.sh" "$state" >/dev/null
    echo "loopback server up in $state"
    ;;
  stop)
    "$server_dir/stop.sh" "$state"
    left=$(pgrep -af -- "$state" | grep -Ev "^($$|$PPID) " | grep -E 'gunicorn|nginx|python' || true)
    if [ -n "$left" ]; then
      echo "processes still running for $state:" >&2
      echo "$left" >&2
      exit 1
    fi
    echo "loopback server stopped; nothing left running"
    ;;
  *)
    echo "usage: $0 start|stop STATE_DIR" >&2
    exit 2
    ;;
esac
