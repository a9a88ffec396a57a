/* LD_PRELOAD shim for aarch64 Linux: getauxval(AT_HWCAP) without the AES and PMULL bits, so a
 * program sees a core without the Armv8 Crypto Extensions (qemu 7.2 has no such CPU model).
 * Mbed TLS's run-time detection (aesce.c) then takes its table implementation. Used by
 * bench/aesce_paths.sh; not part of lsedge. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/auxv.h>

#define LSEDGE_HWCAP_AES (1UL << 3)
#define LSEDGE_HWCAP_PMULL (1UL << 4)

unsigned long getauxval(unsigned long type) {
  static unsigned long (*real)(unsigned long);
  if (real == 0) {
    real = (unsigned long (*)(unsigned long))dlsym(RTLD_NEXT, "getauxval");
  }
  unsigned long value = real(type);
  if (type == AT_HWCAP) {
    value &= ~(LSEDGE_HWCAP_AES | LSEDGE_HWCAP_PMULL);
  }
  return value;
}
