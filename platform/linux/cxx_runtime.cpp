// The four C++ runtime functions the shipped lsedge needs, so that it loads neither libstdc++
// (2 MiB mapped, ~1 MiB resident) nor libgcc_s (issue #14): firmware presets link this file into
// the lsedge executable only. Tests and host presets keep the toolchain's runtime.
//
// Thread-safety: the guard functions are what makes function-local statics thread-safe; the
// others never return.
#include <pthread.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {

// One lock for every guarded initialisation, recursive so that one static's initialiser may use
// another. A first use that waits for another thread's first use would deadlock here where
// libstdc++'s per-guard wait would not; no initialiser in lsedge waits for another thread.
pthread_mutex_t g_guard_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

// Itanium C++ ABI: the guard's first byte is non-zero once initialised. ARM EABI: bit 0 of a
// 32-bit guard, which on little-endian armhf is the first byte's bit 0 as well.
bool initialised(const void* guard) {
  return __atomic_load_n(static_cast<const unsigned char*>(guard), __ATOMIC_ACQUIRE) != 0;
}

[[noreturn]] void fail(const char* what) {
  std::fputs("lsedge: internal error: ", stderr);
  std::fputs(what, stderr);
  std::fputs("\n", stderr);
  std::abort();
}

}  // namespace

extern "C" {

#if defined(__arm__)
using Guard = uint32_t;
#else
using Guard = uint64_t;
#endif

// 1: the caller runs the initialiser (holding the lock) and then calls release (or abort).
int __cxa_guard_acquire(Guard* guard) {
  if (initialised(guard)) {
    return 0;
  }
  if (pthread_mutex_lock(&g_guard_lock) != 0) {
    fail("static initialisation lock");
  }
  if (initialised(guard)) {
    (void)pthread_mutex_unlock(&g_guard_lock);
    return 0;
  }
  return 1;
}

void __cxa_guard_release(Guard* guard) {
  __atomic_store_n(reinterpret_cast<unsigned char*>(guard), 1, __ATOMIC_RELEASE);
  (void)pthread_mutex_unlock(&g_guard_lock);
}

// Only reached when an initialiser throws; lsedge is built without exceptions.
void __cxa_guard_abort(Guard* /*guard*/) {
  (void)pthread_mutex_unlock(&g_guard_lock);
}

}  // extern "C"

namespace std {
// libstdc++'s hook for an out-of-range std::string_view::substr(): a bug, never input (the
// libstdc++ manual's "Doing without" exceptions lets a program define its __throw_* functions).
[[noreturn]] void __throw_out_of_range_fmt(const char* /*format*/, ...) {
  fail("string_view position out of range");
}
}  // namespace std

// Deleting destructors of classes with virtual destructors name it; nothing in lsedge is ever
// allocated with new (zero heap), so a call is a bug.
void operator delete(void* /*pointer*/, std::size_t /*size*/) noexcept {
  fail("operator delete called");
}
void operator delete(void* /*pointer*/) noexcept {
  fail("operator delete called");
}
