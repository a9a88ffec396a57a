#!/usr/bin/env bash
# Installs every Debian package lsedge needs to build, test and run its loopback server, plus the
# firmware builds' cross compilers, qemu-user and the Debian source packages of Mbed TLS (Debian
# 13's 3.6 LTS, for every preset) and cJSON (apt-get source, unpacked into .deps/, git-ignored).
# Changes the machine (as root, or through sudo): enables deb-src on the existing APT entries,
# adds the dpkg architectures arm64 and armhf, makes "localhost" resolve (/etc/hosts) when it does
# not, installs packages (README.md says which).
# Idempotent: edits, installs and downloads only what is missing; `apt-get update` runs at most
# twice (once more after deb-src entries were enabled).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # toolchain
  g++ cmake ninja-build pkg-config make clang-format clang-tidy binutils
  clang  # libFuzzer targets (scripts/fuzz.sh, docs/fuzzing.md)
  # dependencies (found, never vendored)
  libcjson-dev node-llhttp googletest libgtest-dev
  # the system CA bundle: lsedge's default trust store (LABEL_STUDIO_CA_FILE replaces it); a
  # minimal Debian (a container image) lacks it, and --no-install-recommends does not pull it in
  ca-certificates
  # loopback Label Studio-compatible server (tests/server) and integration tests
  python3 python3-django python3-djangorestframework python3-djangorestframework-simplejwt
  gunicorn nginx-light openssl curl faketime procps
  # the install test (tests/install): systemd-analyze, systemd-sysusers, systemd-tmpfiles, groff
  systemd groff-base
  # firmware builds: cross compilers (with the targets' libc and libstdc++), binutils, qemu-user
  # for the cross-compiled tests, dpkg-dev for `apt-get source`
  g++-aarch64-linux-gnu g++-arm-linux-gnueabihf binutils-aarch64-linux-gnu
  binutils-arm-linux-gnueabihf qemu-user dpkg-dev
  # the gateways' own -dev packages, through Debian multiarch (linked by the cross-built tests),
  # and their runtime libraries (dpkg-shlibdeps reads them for the .deb's Depends)
  libgtest-dev:arm64 libgtest-dev:armhf
  libc6:arm64 libc6:armhf
  # the package test (tests/install/package.sh): a fresh Debian 12 root
  debootstrap file
  # bench/compare.sh (issue #14): the peers (libcurl + cJSON, python3-requests, curl + jq) and
  # the measuring tools (callgrind, strace)
  libcurl4-openssl-dev python3-requests jq valgrind strace
)
# Debian multiarch: the gateways' architectures, for target (-dev) packages as :arm64 / :armhf.
foreign_architectures=(arm64 armhf)
# Debian source packages built with our configuration: package:link:marker:release. "stable" is
# the machine's own release; "trixie" comes from the private source-only list below.
source_packages=(mbedtls:mbedtls:library/ssl_tls13_client.c:trixie cjson:cjson:cJSON.c:stable)
# Mbed TLS 3.6 LTS is in Debian 13 (trixie) only. Its source comes through an APT configuration
# of our own under .deps/apt/: deb-src lines for trixie, trixie-updates and trixie-security derived
# from the machine's Debian entries (same mirrors, same keyring). The machine's APT never sees
# trixie: no binary package from it can be installed, nothing is pinned.
trixie_suites=(trixie trixie-updates trixie-security)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "setup: installing packages needs root: run scripts/setup.sh as root, or install sudo" >&2
    exit 1
  fi
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
updated=0
apt_update() {
  # A mirror mid-sync can fail one index (e.g. a foreign architecture's); what is needed is
  # usually still there, and a real gap shows up as an install or source error below.
  $SUDO apt-get update -qq || echo "setup: apt-get update reported errors (continuing)"
  updated=1
}

# deb-src: enable it on the machine's existing entries (no host name of our own).
need_update=0
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  if grep -qE '^Types:[[:space:]]*deb[[:space:]]*$' "$f"; then
    $SUDO sed -i -E 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb deb-src/' "$f"
    echo "setup: enabled deb-src in $f"
    need_update=1
  fi
done
if [ -f /etc/apt/sources.list ]; then
  while IFS= read -r line; do
    src="deb-src ${line#deb }"
    if ! grep -qxF "$src" /etc/apt/sources.list; then
      echo "$src" | $SUDO tee -a /etc/apt/sources.list >/dev/null
      echo "setup: added '$src' to /etc/apt/sources.list"
      need_update=1
    fi
  done < <(grep -E '^deb[[:space:]]' /etc/apt/sources.list || true)
fi

for arch in "${foreign_architectures[@]}"; do
  if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    $SUDO dpkg --add-architecture "$arch"
    echo "setup: added architecture $arch"
    need_update=1
  fi
done

# "localhost" must resolve to the loopback address (the tests connect to https://localhost, whose
# certificate has that DNS name). Debian's installer and container runtimes write /etc/hosts; a
# debootstrapped root or a bare chroot has none, and a DNS server may not answer for localhost.
if ! getent hosts localhost | grep -qE '^(127\.|::1[[:space:]])'; then
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' |
    $SUDO tee -a /etc/hosts >/dev/null
  echo "setup: added localhost (127.0.0.1, ::1) to /etc/hosts"
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ] || [ "$need_update" -eq 1 ]; then
  apt_update
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  # nginx's postinst may try to start the system service; our tests run their own instance.
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The machine's Debian archive entries as "URI KEYRING" (one-line and deb822 formats), the
# security archive included; what trixie's deb-src lines are derived from.
debian_entries() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -nE 's/^deb[[:space:]]+(\[([^]]*)\][[:space:]]+)?([a-z]+:\/\/[^[:space:]]+)[[:space:]]+([a-z-]+).*/\3 \2 \4/p' "$f" |
      while read -r uri opts suite; do
        local key=""
        [[ "$opts" =~ signed-by=([^[:space:]]+) ]] && key="${BASH_REMATCH[1]}"
        [[ "$suite" =~ ^[a-z]+(-updates|-security)?$ ]] && echo "$uri $key"
      done
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
         {
           uri = ""; key = ""; suites = ""
           for (i = 1; i <= NF; i++) {
             if ($i ~ /^URIs:/) { uri = $i; sub(/^URIs:[ \t]*/, "", uri); sub(/[ \t].*/, "", uri) }
             if ($i ~ /^Signed-By:/) { key = $i; sub(/^Signed-By:[ \t]*/, "", key) }
             if ($i ~ /^Suites:/) { suites = $i }
           }
           if (uri != "" && suites ~ /(bookworm|trixie|bullseye|sid|stable)/) print uri, key
         }' "$f"
  done
}

trixie_apt_dir="$PWD/.deps/apt"
trixie_apt=(-o "Dir::Etc::SourceList=$trixie_apt_dir/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
            -o "Dir::State::Lists=$trixie_apt_dir/lists" -o "Dir::Cache=$trixie_apt_dir/cache"
            -o "APT::Sandbox::User=root")
trixie_sources() {
  mkdir -p "$trixie_apt_dir/lists/partial" "$trixie_apt_dir/cache/archives/partial"
  local list="$trixie_apt_dir/sources.list" uri key suite
  : >"$list"
  while read -r uri key; do
    [ -n "$key" ] || key=/usr/share/keyrings/debian-archive-keyring.gpg
    for suite in "${trixie_suites[@]}"; do
      # The security archive carries only *-security; the main one everything else.
      local a=0 b=0
      [[ "$uri" == *security* ]] && a=1
      [[ "$suite" == *-security ]] && b=1
      [ "$a" -eq "$b" ] || continue
      echo "deb-src [signed-by=$key] $uri $suite main" >>"$list"
    done
  done < <(debian_entries | awk '$1 ~ /debian/' | sort -u)
  if ! [ -s "$list" ]; then
    echo "setup: no Debian archive entry in /etc/apt to derive trixie's deb-src lines from" >&2
    exit 1
  fi
  echo "setup: trixie deb-src lines (source only, private to .deps/apt):"
  sed 's/^/setup:   /' "$list"
  $SUDO apt-get "${trixie_apt[@]}" update -qq
}

# Source packages: .deps/<name>-<version>/ from apt-get source, and .deps/<name> pointing at it.
mkdir -p .deps
for entry in "${source_packages[@]}"; do
  IFS=: read -r package link marker release <<<"$entry"
  if [ -f ".deps/$link/$marker" ]; then
    continue
  fi
  echo "setup: apt-get source $package ($release)"
  if [ "$release" = trixie ]; then
    trixie_sources
    (cd .deps && $SUDO apt-get "${trixie_apt[@]}" source -qq "$package" >/dev/null)
  elif ! (cd .deps && apt-get source -qq "$package" >/dev/null 2>&1); then
    [ "$updated" -eq 1 ] || apt_update
    (cd .deps && apt-get source -qq "$package" >/dev/null)
  fi
  dir=$(find .deps -mindepth 1 -maxdepth 1 -type d -name "${package}-[0-9]*" -exec test -f "{}/$marker" \; -print |
        sort -V | tail -n 1)
  if [ -z "$dir" ]; then
    echo "setup: apt-get source $package left no ${package}-<version>/$marker in .deps" >&2
    exit 1
  fi
  ln -sfn "$(basename "$dir")" ".deps/$link"
done
echo "setup: done"
