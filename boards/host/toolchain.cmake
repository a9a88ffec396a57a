# Toolchain of the host board (x86-64 development machines and CI): Debian's native compilers,
# named by triplet so a firmware build never picks up another compiler from CC/CXX. Not a cross
# build: tests run natively.
set(LSEDGE_HOST_TRIPLET x86_64-linux-gnu)
set(CMAKE_C_COMPILER ${LSEDGE_HOST_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${LSEDGE_HOST_TRIPLET}-g++)
