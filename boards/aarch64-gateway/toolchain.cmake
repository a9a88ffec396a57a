# Cross toolchain of the aarch64-gateway board: Debian's aarch64-linux-gnu cross compilers
# (g++-aarch64-linux-gnu); their multiarch libc needs no CMAKE_SYSROOT. Tests run under qemu-user.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(LSEDGE_CROSS_TRIPLET aarch64-linux-gnu)

set(CMAKE_C_COMPILER ${LSEDGE_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${LSEDGE_CROSS_TRIPLET}-g++)
# LD_LIBRARY_PATH=/lib (the -L prefix's lib/): the cross libc's loader must load that libc, not a
# multiarch one of another build from the host's /lib/<triplet> (scripts/setup.sh installs those
# for dpkg-shlibdeps); mixed, threaded programs hang under qemu.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;/usr/${LSEDGE_CROSS_TRIPLET};-E;LD_LIBRARY_PATH=/lib)

# Size (docs/footprint.md). No unwind tables: lsedge is built without exceptions and never
# unwinds (no pthread_cancel/pthread_exit); they were ~84 KB (.eh_frame + .eh_frame_hdr). C++
# code compiled with exceptions (the tests) still gets the tables it needs. Debuggers use the
# separate debug info, not these tables.
set(CMAKE_C_FLAGS_INIT "-fno-asynchronous-unwind-tables -fno-unwind-tables")
set(CMAKE_CXX_FLAGS_INIT "-fno-asynchronous-unwind-tables -fno-unwind-tables")
# Segment alignment 16 KiB instead of ld's 64 KiB for aarch64: the file padding between the code
# and data segments is then < 16 KiB instead of up to 64 KiB. The binary loads on kernels with
# 4 KiB and 16 KiB pages (Debian arm64, Raspberry Pi OS incl. the Pi 5's 16 KiB kernel, Yocto
# defaults), not on 64 KiB-page kernels (some RHEL/Ampere server kernels): a board for those
# drops this line.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-z,max-page-size=16384")

# Programs from the build machine; libraries and headers from the target's tree only.
set(CMAKE_FIND_ROOT_PATH /usr/${LSEDGE_CROSS_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
