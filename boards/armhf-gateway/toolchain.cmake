# Cross toolchain of the armhf-gateway board: Debian's arm-linux-gnueabihf cross compilers
# (g++-arm-linux-gnueabihf); their multiarch libc needs no CMAKE_SYSROOT. Tests run under qemu-user.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(LSEDGE_CROSS_TRIPLET arm-linux-gnueabihf)

set(CMAKE_C_COMPILER ${LSEDGE_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${LSEDGE_CROSS_TRIPLET}-g++)
# LD_LIBRARY_PATH=/lib (the -L prefix's lib/): the cross libc's loader must load that libc, not a
# multiarch one of another build from the host's /lib/<triplet> (scripts/setup.sh installs those
# for dpkg-shlibdeps); mixed, threaded programs hang under qemu.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-arm;-L;/usr/${LSEDGE_CROSS_TRIPLET};-E;LD_LIBRARY_PATH=/lib)

# glibc's time_t is 32 bits here unless asked for 64: Mbed TLS's certificate dates (time()) and
# file sizes then work past 2038 and 2 GiB. lsedge's own code never uses time_t.
# No unwind tables (size, as on aarch64: lsedge has no exceptions and never unwinds).
set(lsedge_flags "-D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64 -fno-asynchronous-unwind-tables -fno-unwind-tables")
set(CMAKE_C_FLAGS_INIT "${lsedge_flags}")
set(CMAKE_CXX_FLAGS_INIT "${lsedge_flags}")
# 32-bit Arm Linux has 4 KiB pages only: no need for ld's 64 KiB segment alignment (padding).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-z,max-page-size=4096")

# Programs from the build machine; libraries and headers from the target's tree only.
set(CMAKE_FIND_ROOT_PATH /usr/${LSEDGE_CROSS_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
