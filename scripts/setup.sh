#!/usr/bin/env bash
# Installs every Debian package lsedge needs to build, test and run its loopback server.
# Idempotent: installs only what is missing; runs `apt-get update` at most once.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config make clang-format binutils
  # dependencies (found, never vendored)
  libmbedtls-dev libcjson-dev node-llhttp googletest libgtest-dev
  # loopback Label Studio-compatible server (tests/server) and integration tests
  python3 python3-django python3-djangorestframework python3-djangorestframework-simplejwt
  gunicorn nginx-light openssl curl faketime procps
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# nginx's postinst may try to start the system service; our tests run their own instance.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
