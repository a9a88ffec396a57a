# Cross toolchain of the aarch64-gateway board: Debian's aarch64-linux-gnu cross compilers
# (g++-aarch64-linux-gnu); their multiarch libc needs no CMAKE_SYSROOT. Tests run under qemu-user.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(LSEDGE_CROSS_TRIPLET aarch64-linux-gnu)

set(CMAKE_C_COMPILER ${LSEDGE_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${LSEDGE_CROSS_TRIPLET}-g++)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64;-L;/usr/${LSEDGE_CROSS_TRIPLET})

# Programs from the build machine; libraries and headers from the target's tree only.
set(CMAKE_FIND_ROOT_PATH /usr/${LSEDGE_CROSS_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
