#!/usr/bin/env bash
# Issue #13: the .deb of a firmware build (`cpack`), checked by content (control fields, files,
# modes, conffiles, maintainer scripts) and run: natively it is installed with apt into a fresh
# Debian 12 root (debootstrap --variant=minbase, from this machine's Debian mirror), where
# `lsedge --version` runs, systemd-analyze verifies the unit, the user, group and spool exist,
# the service is neither enabled nor started, and a purge leaves none of the package's files; a
# gateway's package has its binary run under qemu-user.
# Usage: package.sh BUILD_DIR [EMULATOR...]       (root and the network for the fresh root)
set -euo pipefail
build=$(cd "${1:?usage: package.sh BUILD_DIR [EMULATOR...]}" && pwd -P)
shift
emulator=("$@")
# shellcheck disable=SC1091
. "$(dirname "$0")/../verdict.sh"  # fail, skip
work=$(mktemp -d "${TMPDIR:-/tmp}/lsedge-package.XXXXXX")
cleanup() {
  umount "$work/root/proc" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

(cd "$build" && cpack -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack failed"; }
deb=$(ls "$work"/out/lsedge_*.deb)
field() { dpkg-deb -f "$deb" "$1"; }
arch=$(field Architecture)
echo "$(basename "$deb"): Depends: $(field Depends)"
case "$(file -b "$build/platform/linux/lsedge")" in
  *x86-64*) [ "$arch" = amd64 ] || fail "x86-64 binary in a $arch package" ;;
  *aarch64*) [ "$arch" = arm64 ] || fail "aarch64 binary in a $arch package" ;;
  *ARM*) [ "$arch" = armhf ] || fail "32-bit Arm binary in a $arch package" ;;
  *) fail "unknown binary: $(file -b "$build/platform/linux/lsedge")" ;;
esac
[ "$(field Package)" = lsedge ] || fail "package name $(field Package)"
depends=$(field Depends)
grep -Eq 'libc6 \(>= 2\.[0-9]+\)' <<<"$depends" || fail "Depends has no minimum glibc: $depends"
! grep -Eq "libstdc\+\+6|libgcc-s1" <<<"$depends" || fail "Depends names the C++ runtime lsedge no longer loads: $depends"
grep -q 'systemd | systemd-standalone-sysusers' <<<"$depends" || fail "Depends lacks sysusers: $depends"

# Contents: every file in its place with its mode, the binary stripped, the settings a conffile.
dpkg-deb -c "$deb" | awk '{print $1, $6}' | sed 's| \./| /|' >"$work/contents"
for want in "-rwxr-xr-x /usr/bin/lsedge" "-rw-r--r-- /usr/lib/systemd/system/lsedge.service" \
  "-rw-r--r-- /usr/lib/sysusers.d/lsedge.conf" "-rw-r--r-- /usr/lib/tmpfiles.d/lsedge.conf" \
  "-rw------- /etc/lsedge/lsedge.env" "-rw-r--r-- /usr/share/man/man1/lsedge.1"; do
  grep -qxF -- "$want" "$work/contents" || fail "the package lacks $want: $(cat "$work/contents")"
done
# The library where GNUInstallDirs puts it (/usr/lib, or /usr/lib/<multiarch> natively).
libdir=$(sed -n 's|^lrwxrwxrwx \(/usr/lib.*\)/liblsedge\.so\.1$|\1|p' "$work/contents")
[ -n "$libdir" ] || fail "the package lacks liblsedge.so.1: $(cat "$work/contents")"
grep -Eqx -- "-rw.r-.r-. $libdir/liblsedge\.so\.$(field Version)" "$work/contents" ||
  fail "the package lacks liblsedge.so.$(field Version): $(cat "$work/contents")"
dev=$(ls "$work"/out/lsedge-dev_*.deb) || fail "no lsedge-dev package"
[ "$(dpkg-deb -f "$dev" Depends)" = "lsedge (= $(field Version))" ] ||
  fail "lsedge-dev's Depends: $(dpkg-deb -f "$dev" Depends)"
[ "$(dpkg-deb -f "$dev" Architecture)" = "$arch" ] || fail "lsedge-dev is not $arch"
dpkg-deb -c "$dev" | awk '{print $6}' | sed 's|^\./|/|' >"$work/dev.contents"
for want in /usr/include/lsedge.h "$libdir/liblsedge.a" "$libdir/liblsedge.so" \
  "$libdir/pkgconfig/lsedge.pc" "$libdir/cmake/lsedge/lsedgeConfig.cmake" \
  "$libdir/cmake/lsedge/lsedgeTargets.cmake"; do
  grep -qxF -- "$want" "$work/dev.contents" || fail "lsedge-dev lacks $want: $(cat "$work/dev.contents")"
done
dpkg-deb -e "$deb" "$work/control"
grep -qx /etc/lsedge/lsedge.env "$work/control/conffiles" || fail "lsedge.env is not a conffile"
grep -q '^liblsedge 1 lsedge' "$work/control/shlibs" || fail "no shlibs entry for liblsedge.so.1"
grep -q ldconfig "$work/control/triggers" || fail "the package does not trigger ldconfig"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "no $script"
  sh -n "$work/control/$script" || fail "$script is not valid sh"
done
dpkg-deb -x "$deb" "$work/files"
file -b "$work/files/usr/bin/lsedge" | grep -q 'stripped' && ! file -b "$work/files/usr/bin/lsedge" | grep -q 'not stripped' ||
  fail "the packaged binary is not stripped"
version=$("${emulator[@]}" "$work/files/usr/bin/lsedge" --version) || fail "the packaged lsedge does not run"
echo "packaged binary: $version"
if [ "${#emulator[@]}" -gt 0 ]; then
  echo "ok: $(basename "$deb") checked by content, its binary ran under ${emulator[0]}"
  exit 0
fi

# Native: a fresh Debian 12 root, the package installed with apt, then purged.
[ "$(id -u)" = 0 ] || skip "needs root for debootstrap and chroot"
command -v debootstrap >/dev/null || skip "needs debootstrap (scripts/setup.sh installs it)"
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log"; fail "debootstrap of Debian 12 from $mirror failed"; }
mount -t proc proc "$work/root/proc" || skip "cannot mount /proc in the fresh root"
cp "$deb" "$dev" "$work/root/tmp/"
in_root() { chroot "$work/root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
in_root apt-get update -qq >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get update in the root"; }
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$deb")" >"$work/apt.log" 2>&1 ||
  { tail -30 "$work/apt.log"; fail "apt-get install of the package failed"; }
in_root lsedge --version | grep -q '^lsedge [0-9]' || fail "lsedge --version in the root"
# Read whole before grep: `grep -q` stops at the first match, and under pipefail the SIGPIPE that
# then hits a long writer (ldconfig -p lists every library) fails the pipeline (stop 21's flake).
cache=$(in_root ldconfig -p)
grep -q 'liblsedge.so.1 ' <<<"$cache" || fail "liblsedge.so.1 is not in the loader's cache"
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$dev")" >"$work/apt.log" 2>&1 ||
  { tail -30 "$work/apt.log"; fail "apt-get install of lsedge-dev failed"; }
[ -f "$work/root/usr/include/lsedge.h" ] || fail "lsedge-dev did not install lsedge.h"
in_root dpkg -L lsedge-dev | grep -v '^/\.$' >"$work/dev.list"
in_root apt-get purge -y -qq lsedge-dev >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "purge of lsedge-dev"; }
while read -r path; do
  [ -d "$work/root$path" ] || [ ! -e "$work/root$path" ] || fail "$path is left after purging lsedge-dev"
done <"$work/dev.list"
in_root systemd-analyze verify --man=no /usr/lib/systemd/system/lsedge.service ||
  fail "systemd-analyze verify in the root"
uid=$(in_root id -u lsedge) || fail "no lsedge user"
gid=$(in_root getent group lsedge-spool | cut -d: -f3) || fail "no lsedge-spool group"
in_root id -nG lsedge | tr ' ' '\n' | grep -qx lsedge-spool || fail "lsedge is not in lsedge-spool"
[ "$(stat -c '%a %u %g' "$work/root/var/spool/lsedge")" = "2770 $uid $gid" ] ||
  fail "/var/spool/lsedge is $(stat -c '%a %u %g' "$work/root/var/spool/lsedge")"
[ "$(stat -c '%a %u' "$work/root/etc/lsedge/lsedge.env")" = "600 0" ] || fail "lsedge.env is not root-only"
! ls "$work/root/etc/systemd/system/"*.wants/lsedge.service >/dev/null 2>&1 ||
  fail "the package enabled the service before it has settings"
in_root dpkg -L lsedge | grep -v '^/\.$' >"$work/files.list"
in_root apt-get purge -y -qq lsedge >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get purge failed"; }
while read -r path; do
  [ -d "$work/root$path" ] && continue  # shared directories (/usr/bin, ...) stay
  [ ! -e "$work/root$path" ] || fail "$path is left after the purge"
done <"$work/files.list"
[ ! -e "$work/root/etc/lsedge" ] || fail "/etc/lsedge is left after the purge"
[ ! -e "$work/root/var/spool/lsedge" ] || fail "the empty spool is left after the purge"
echo "ok: $(basename "$deb") installed into a fresh Debian 12 root ($mirror), verified, purged cleanly"
