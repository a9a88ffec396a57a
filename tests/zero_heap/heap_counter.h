// Counts heap calls while "armed": malloc/calloc/realloc/free twice over (calls from the objects
// linked into the executable, through -Wl,--wrap, and calls from anywhere in the process, through
// an interposed malloc family), and every global operator new/delete.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>

namespace zero_heap {

enum Kind : int { kMalloc, kCalloc, kRealloc, kFree, kNew, kDelete, kKinds };
enum Scope : int {
  kLinked,   // our objects and the static archives (Mbed TLS, cJSON, llhttp): --wrap
  kProcess,  // anything, glibc and libstdc++ included: the interposed malloc family
  kScopes
};

const char* kind_name(int kind);

struct HeapCounts {
  uint64_t calls[kScopes][kKinds] = {};
  [[nodiscard]] uint64_t total() const;
};

// Loads what backtrace() needs (libgcc_s) now, so capturing a call site later allocates nothing.
void prepare();
void reset();
// Process-wide: while armed, a call from any thread counts.
void arm();
void disarm();
[[nodiscard]] HeapCounts counts();
// The call sites of the first counted calls (a few), with module+offset for addr2line.
void print_call_sites(FILE* out);

}  // namespace zero_heap
