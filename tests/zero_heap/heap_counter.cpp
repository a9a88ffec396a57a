// The counting layer of the zero-heap test. Two layers, so a call is both attributed and caught:
//   __wrap_malloc ...  -Wl,--wrap: references to malloc in the executable's own objects and
//                      static archives (lsedge, Mbed TLS, cJSON, llhttp) land here;
//   malloc ...         defined in the executable, so they interpose glibc's for the whole process
//                      (glibc and libstdc++ internals, e.g. getaddrinfo or strerror, included);
//                      they forward to glibc's __libc_* entry points.
#include "tests/zero_heap/heap_counter.h"

#include <dlfcn.h>
#include <execinfo.h>

#include <atomic>
#include <cstdlib>
#include <new>

extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* ptr, size_t size);
void __libc_free(void* ptr);
void* __real_malloc(size_t size);
void* __real_calloc(size_t count, size_t size);
void* __real_realloc(void* ptr, size_t size);
void __real_free(void* ptr);
}

namespace zero_heap {
namespace {

std::atomic<bool> g_armed{false};
std::atomic<uint64_t> g_calls[kScopes][kKinds];

constexpr int kMaxSites = 8;
constexpr int kMaxFrames = 24;
struct CallSite {
  int kind = 0;
  int scope = 0;
  int depth = 0;
  void* frames[kMaxFrames] = {};
};
CallSite g_sites[kMaxSites];
std::atomic<int> g_site_count{0};
// backtrace() may itself allocate (the first time): no counting inside the hook.
thread_local bool t_in_hook = false;

void count(Scope scope, Kind kind) {
  if (!g_armed.load(std::memory_order_relaxed) || t_in_hook) {
    return;
  }
  g_calls[scope][kind].fetch_add(1, std::memory_order_relaxed);
  // The linked layer forwards to the process layer, which records the site once.
  if (scope == kLinked) {
    return;
  }
  const int slot = g_site_count.fetch_add(1, std::memory_order_relaxed);
  if (slot >= kMaxSites) {
    return;
  }
  t_in_hook = true;
  CallSite& site = g_sites[slot];
  site.kind = kind;
  site.scope = scope;
  site.depth = backtrace(site.frames, kMaxFrames);
  t_in_hook = false;
}

void* checked(void* ptr) {
  if (ptr == nullptr) {
    std::abort();  // built without exceptions: a throwing new cannot throw
  }
  return ptr;
}

void* aligned(size_t size, std::align_val_t align) {
  const size_t alignment = static_cast<size_t>(align);
  size = (size + alignment - 1) / alignment * alignment;  // aligned_alloc wants a multiple
  return aligned_alloc(alignment, size == 0 ? alignment : size);
}

}  // namespace

const char* kind_name(int kind) {
  static const char* const names[kKinds] = {"malloc", "calloc", "realloc", "free", "new", "delete"};
  return kind >= 0 && kind < kKinds ? names[kind] : "?";
}

uint64_t HeapCounts::total() const {
  uint64_t sum = 0;
  for (const auto& scope : calls) {
    for (const uint64_t n : scope) {
      sum += n;
    }
  }
  return sum;
}

void prepare() {
  void* frames[4];
  (void)backtrace(frames, 4);
}

void reset() {
  for (auto& scope : g_calls) {
    for (auto& n : scope) {
      n.store(0);
    }
  }
  g_site_count.store(0);
}

void arm() {
  g_armed.store(true);
}

void disarm() {
  g_armed.store(false);
}

HeapCounts counts() {
  HeapCounts out;
  for (int s = 0; s < kScopes; ++s) {
    for (int k = 0; k < kKinds; ++k) {
      out.calls[s][k] = g_calls[s][k].load();
    }
  }
  return out;
}

void print_call_sites(FILE* out) {
  const int n = g_site_count.load() < kMaxSites ? g_site_count.load() : kMaxSites;
  for (int i = 0; i < n; ++i) {
    const CallSite& site = g_sites[i];
    std::fprintf(out, "  heap call %d: %s\n", i + 1, kind_name(site.kind));
    for (int f = 0; f < site.depth; ++f) {
      Dl_info info{};
      if (dladdr(site.frames[f], &info) != 0 && info.dli_fname != nullptr) {
        const auto offset = reinterpret_cast<uintptr_t>(site.frames[f]) -
                            reinterpret_cast<uintptr_t>(info.dli_fbase);
        std::fprintf(out, "    #%d %s+0x%lx %s\n", f, info.dli_fname,
                     static_cast<unsigned long>(offset),
                     info.dli_sname != nullptr ? info.dli_sname : "");
      } else {
        std::fprintf(out, "    #%d %p\n", f, site.frames[f]);
      }
    }
  }
}

}  // namespace zero_heap

using zero_heap::count;
using zero_heap::kCalloc;
using zero_heap::kDelete;
using zero_heap::kFree;
using zero_heap::kLinked;
using zero_heap::kMalloc;
using zero_heap::kNew;
using zero_heap::kProcess;
using zero_heap::kRealloc;

extern "C" {

void* __wrap_malloc(size_t size) {
  count(kLinked, kMalloc);
  return __real_malloc(size);
}
void* __wrap_calloc(size_t n, size_t size) {
  count(kLinked, kCalloc);
  return __real_calloc(n, size);
}
void* __wrap_realloc(void* ptr, size_t size) {
  count(kLinked, kRealloc);
  return __real_realloc(ptr, size);
}
void __wrap_free(void* ptr) {
  count(kLinked, kFree);
  __real_free(ptr);
}

void* malloc(size_t size) {
  count(kProcess, kMalloc);
  return __libc_malloc(size);
}
void* calloc(size_t n, size_t size) {
  count(kProcess, kCalloc);
  return __libc_calloc(n, size);
}
void* realloc(void* ptr, size_t size) {
  count(kProcess, kRealloc);
  return __libc_realloc(ptr, size);
}
void free(void* ptr) {
  count(kProcess, kFree);
  __libc_free(ptr);
}

}  // extern "C"

// Every replaceable global operator new/delete (sized, aligned, nothrow).
void* operator new(size_t size) {
  count(kProcess, kNew);
  return zero_heap::checked(__libc_malloc(size == 0 ? 1 : size));
}
void* operator new[](size_t size) {
  count(kProcess, kNew);
  return zero_heap::checked(__libc_malloc(size == 0 ? 1 : size));
}
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  count(kProcess, kNew);
  return __libc_malloc(size == 0 ? 1 : size);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  count(kProcess, kNew);
  return __libc_malloc(size == 0 ? 1 : size);
}
void* operator new(size_t size, std::align_val_t align) {
  count(kProcess, kNew);
  return zero_heap::checked(zero_heap::aligned(size, align));
}
void* operator new[](size_t size, std::align_val_t align) {
  count(kProcess, kNew);
  return zero_heap::checked(zero_heap::aligned(size, align));
}
void* operator new(size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  count(kProcess, kNew);
  return zero_heap::aligned(size, align);
}
void* operator new[](size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  count(kProcess, kNew);
  return zero_heap::aligned(size, align);
}

void operator delete(void* ptr) noexcept {
  count(kProcess, kDelete);
  __libc_free(ptr);
}
void operator delete[](void* ptr) noexcept {
  count(kProcess, kDelete);
  __libc_free(ptr);
}
void operator delete(void* ptr, size_t) noexcept {
  count(kProcess, kDelete);
  __libc_free(ptr);
}
void operator delete[](void* ptr, size_t) noexcept {
  count(kProcess, kDelete);
  __libc_free(ptr);
}
void operator delete(void* ptr, const std::nothrow_t&) noexcept {
  count(kProcess, kDelete);
  __libc_free(ptr);
}
void operator delete[](void* ptr, const std::nothrow_t&) noexcept {
  count(kProcess, kDelete);
  __libc_free(ptr);
}
void operator delete(void* ptr, std::align_val_t) noexcept {
  count(kProcess, kDelete);
  __libc_free(ptr);
}
void operator delete[](void* ptr, std::align_val_t) noexcept {
  count(kProcess, kDelete);
  __libc_free(ptr);
}
void operator delete(void* ptr, size_t, std::align_val_t) noexcept {
  count(kProcess, kDelete);
  __libc_free(ptr);
}
void operator delete[](void* ptr, size_t, std::align_val_t) noexcept {
  count(kProcess, kDelete);
  __libc_free(ptr);
}
void operator delete(void* ptr, std::align_val_t, const std::nothrow_t&) noexcept {
  count(kProcess, kDelete);
  __libc_free(ptr);
}
void operator delete[](void* ptr, std::align_val_t, const std::nothrow_t&) noexcept {
  count(kProcess, kDelete);
  __libc_free(ptr);
}
