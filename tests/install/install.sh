#!/usr/bin/env bash
# Issue #13: `cmake --install` puts lsedge, the upload service's unit, its user and shared spool
# (sysusers.d, tmpfiles.d), the settings template and the man page in their places, and each
# works there: into a scratch root (DESTDIR), then
#   - the installed binary runs (--version);
#   - systemd-analyze verifies the unit against that root (its binary, settings file and man page
#     must be where the unit says) and rates its sandbox at most 3.5 ("OK");
#   - systemd-sysusers and systemd-tmpfiles, run on that root, make the lsedge user, the
#     lsedge-spool group and /var/spool/lsedge 2770 lsedge:lsedge-spool;
#   - the man page renders without a groff warning and names every command and setting of
#     `lsedge --help`;
#   - `cmake --install --prefix` elsewhere is refused (the unit names full paths);
#   - the C API: lsedge.h, liblsedge.a, liblsedge.so.1 (its soname, only lsedge_* exported),
#     lsedge.pc and find_package(lsedge); the example capture loop builds against the installed
#     tree with pkg-config and with CMake, and runs (not in sanitizer builds, whose runtime must
#     come first in a program).
# Usage: install.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:?usage: install.sh BUILD_DIR}" && pwd -P)
# shellcheck disable=SC1091
. "$(dirname "$0")/../verdict.sh"  # fail
for tool in systemd-analyze systemd-sysusers systemd-tmpfiles groff; do
  command -v "$tool" >/dev/null || fail "needs $tool (scripts/setup.sh installs systemd and groff-base)"
done
root=$(mktemp -d "${TMPDIR:-/tmp}/lsedge-install.XXXXXX")
trap 'rm -rf "$root"' EXIT
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
[ -n "$prefix" ] || fail "no CMAKE_INSTALL_PREFIX in $build/CMakeCache.txt"
case "$prefix" in /usr) etc=/etc ;; *) etc=$prefix/etc ;; esac

DESTDIR=$root cmake --install "$build" >"$root.log" 2>&1 || { cat "$root.log"; fail "cmake --install failed"; }
rm -f "$root.log"

# The files, with their modes.
expect_mode() {
  [ -f "$root$2" ] || fail "$2 was not installed"
  [ "$(stat -c %a "$root$2")" = "$1" ] || fail "$2 is $(stat -c %a "$root$2"), expected $1"
}
expect_mode 755 "$prefix/bin/lsedge"
expect_mode 644 "$prefix/lib/systemd/system/lsedge.service"
expect_mode 644 "$prefix/lib/sysusers.d/lsedge.conf"
expect_mode 644 "$prefix/lib/tmpfiles.d/lsedge.conf"
expect_mode 600 "$etc/lsedge/lsedge.env"
expect_mode 644 "$prefix/share/man/man1/lsedge.1"
version=$("$root$prefix/bin/lsedge" --version)
grep -q '^lsedge [0-9]' <<<"$version" || fail "lsedge --version printed: $version"
# The template sets nothing: an unconfigured service stops at once with exit 2 (no restart loop).
! grep -q '^[A-Z]' "$root$etc/lsedge/lsedge.env" || fail "the settings template sets a value"

# The unit, verified against the root (systemd's own units copied in for its dependencies).
unit=$prefix/lib/systemd/system/lsedge.service
grep -qx "ExecStart=$prefix/bin/lsedge run --spool /var/spool/lsedge" "$root$unit" ||
  fail "ExecStart does not name the installed binary"
grep -qx "EnvironmentFile=$etc/lsedge/lsedge.env" "$root$unit" ||
  fail "EnvironmentFile does not name the installed settings file"
mkdir -p "$root/usr/lib/systemd" "$root/etc"
cp -r /lib/systemd/system "$root/usr/lib/systemd/"
MANPATH=$root$prefix/share/man systemd-analyze verify --root="$root" "$unit" ||
  fail "systemd-analyze verify refused the unit"
exposure=$(systemd-analyze security --offline=true --root="$root" "$unit" 2>&1 |
  sed -n 's/.*Overall exposure level for lsedge.service: \([0-9.]*\).*/\1/p')
echo "sandbox exposure (systemd-analyze security): $exposure"
awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 3.5) }' ||
  fail "the unit's exposure is ${exposure:-unknown}, above 3.5"

# The user, the group and the shared spool, as a package's postinst would make them.
systemd-sysusers --root="$root" >/dev/null 2>&1 || fail "systemd-sysusers failed on the root"
uid=$(awk -F: '$1 == "lsedge" {print $3}' "$root/etc/passwd")
gid=$(awk -F: '$1 == "lsedge-spool" {print $3}' "$root/etc/group")
[ -n "$uid" ] && [ -n "$gid" ] || fail "no lsedge user or lsedge-spool group in the root"
awk -F: '$1 == "lsedge-spool" {print $4}' "$root/etc/group" | tr ',' '\n' | grep -qx lsedge ||
  fail "lsedge is not in the lsedge-spool group"
systemd-tmpfiles --root="$root" --create >/dev/null || fail "systemd-tmpfiles failed on the root"
[ "$(stat -c '%a %u %g' "$root/var/spool/lsedge")" = "2770 $uid $gid" ] ||
  fail "/var/spool/lsedge is $(stat -c '%a %u %g' "$root/var/spool/lsedge"), expected 2770 $uid $gid"

# The man page: no groff warnings, and every command and setting of --help in it.
page=$root$prefix/share/man/man1/lsedge.1
warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
[ -z "$warnings" ] || fail "groff warns about the man page: $warnings"
text=$(groff -man -Tutf8 -P -c "$page" 2>/dev/null | sed 's/.\x08//g')
help=$("$root$prefix/bin/lsedge" --help)
commands=$(sed -n '/^Commands:/,/^$/p' <<<"$help" | sed -n 's/^  \([a-z][a-z]*\).*/\1/p' | sort -u)
settings=$(grep -oE '\b(LABEL_STUDIO|LSEDGE)_[A-Z0-9_]+' <<<"$help" | sort -u)
[ -n "$commands" ] && [ -n "$settings" ] || fail "could not read the commands and settings of --help"
for word in $commands $settings; do
  grep -qw -- "$word" <<<"$text" || fail "the man page does not mention $word (it is in --help)"
done

# The C API for capture applications, used from the installed tree as a capture app would.
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")
case "${libdir:-lib}" in /*) ;; *) libdir=$prefix/${libdir:-lib} ;; esac
expect_mode 644 "$prefix/include/lsedge.h"
expect_mode 644 "$libdir/liblsedge.a"
expect_mode 644 "$libdir/pkgconfig/lsedge.pc"
expect_mode 644 "$libdir/cmake/lsedge/lsedgeConfig.cmake"
[ -L "$root$libdir/liblsedge.so.1" ] && [ -L "$root$libdir/liblsedge.so" ] || fail "no liblsedge.so.1 link"
soname=$(objdump -p "$root$libdir/liblsedge.so.1" | sed -n 's/^ *SONAME *//p')
[ "$soname" = liblsedge.so.1 ] || fail "liblsedge's soname is $soname"
others=$(nm -D --defined-only "$root$libdir/liblsedge.so.1" | awk '$2 == "T" && $3 !~ /^lsedge_/')
[ -z "$others" ] || fail "liblsedge.so.1 exports more than the C API: $others"
example=$(cd "$(dirname "$0")/../../examples" && pwd -P)/capture_loop.c
sanitized=$(sed -n 's/^LSEDGE_SANITIZE:BOOL=//p' "$build/CMakeCache.txt")
run_example() {  # run_example PROGRAM: three frames queued in a fresh spool
  [ "$sanitized" = ON ] && return 0
  mkdir -p "$root/run-$1/captures"
  out=$(LD_LIBRARY_PATH=$root$libdir "$root/$1" "$root/run-$1/spool" "$root/run-$1/captures" 3) ||
    fail "$1 failed: $out"
  grep -q "queued 3 of 3 frames" <<<"$out" || fail "$1 printed: $out"
}
flags=$(PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$root$libdir/pkgconfig \
  pkg-config --cflags --libs lsedge) || fail "pkg-config does not know lsedge"
# shellcheck disable=SC2086
cc -std=c99 -Wall -Wextra -Werror "$example" $flags -o "$root/pkgconfig_example" ||
  fail "the example does not build with pkg-config's flags: $flags"
run_example pkgconfig_example
mkdir -p "$root/consumer"
cp "$example" "$root/consumer/"
cat >"$root/consumer/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(capture_app C)
find_package(lsedge 0.1 REQUIRED)
add_executable(capture_loop capture_loop.c)
target_link_libraries(capture_loop PRIVATE lsedge::lsedge)
CMAKE
cmake -S "$root/consumer" -B "$root/consumer/build" -DCMAKE_PREFIX_PATH="$root$prefix" \
  >"$root/consumer.log" 2>&1 && cmake --build "$root/consumer/build" >>"$root/consumer.log" 2>&1 ||
  { cat "$root/consumer.log"; fail "find_package(lsedge) and lsedge::lsedge do not build the example"; }
cp "$root/consumer/build/capture_loop" "$root/cmake_example"
run_example cmake_example

# Another prefix at install time is refused with the fix.
if DESTDIR=$root/other cmake --install "$build" --prefix /opt/elsewhere >"$root/other.log" 2>&1; then
  fail "cmake --install --prefix /opt/elsewhere was accepted"
fi
grep -q "configure with -DCMAKE_INSTALL_PREFIX=/opt/elsewhere" <<<"$(tr -s ' \n' '  ' <"$root/other.log")" ||
  fail "the refused --prefix did not say what to do: $(cat "$root/other.log")"
echo "ok: installed under $prefix, verified, user/group/spool made, $(wc -w <<<"$commands") commands and $(wc -w <<<"$settings") settings in the man page"
