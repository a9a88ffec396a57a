#!/bin/sh
# LSEDGE for the gateway subset of the integration tests in a cross build: runs the target's lsedge
# (LSEDGE_TARGET) under the build's CMAKE_CROSSCOMPILING_EMULATOR (LSEDGE_EMULATOR, e.g.
# "qemu-aarch64 -L /usr/aarch64-linux-gnu"; word-split on purpose). exec: signals reach qemu,
# which delivers them to lsedge.
: "${LSEDGE_TARGET:?LSEDGE_TARGET must name the cross-built lsedge}"
: "${LSEDGE_EMULATOR:?LSEDGE_EMULATOR must name the emulator command}"
# shellcheck disable=SC2086
exec $LSEDGE_EMULATOR "$LSEDGE_TARGET" "$@"
