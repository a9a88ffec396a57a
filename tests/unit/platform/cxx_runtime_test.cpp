// platform/linux/cxx_runtime.cpp's static-initialisation guards, in a program linked like the
// shipped lsedge (no libstdc++, no libgcc_s): racing first uses construct once, every thread sees
// the constructed object, and an initialiser may itself first-use another static. Plain main, no
// gtest: gtest needs the C++ runtime this replaces.
#include <pthread.h>
#include <unistd.h>

#include <cstdio>

namespace {

int g_constructions = 0;  // written only inside guarded initialisers
int g_inner_constructions = 0;

struct Inner {
  int value;
  Inner() : value(7) { ++g_inner_constructions; }
};

Inner& inner() {
  static Inner instance;
  return instance;
}

struct Slow {
  int value;
  // Slow enough that every thread arrives while the first is still inside; uses another static.
  Slow() : value(0) {
    usleep(50 * 1000);
    value = 35 + inner().value;
    ++g_constructions;
  }
};

Slow& slow() {
  static Slow instance;
  return instance;
}

constexpr int kThreads = 8;
pthread_barrier_t g_start;

void* race(void* out) {
  (void)pthread_barrier_wait(&g_start);
  Slow& s = slow();
  *static_cast<int*>(out) = s.value;
  return nullptr;
}

}  // namespace

int main() {
  if (pthread_barrier_init(&g_start, nullptr, kThreads) != 0) {
    std::puts("FAIL: pthread_barrier_init");
    return 2;
  }
  pthread_t threads[kThreads];
  int seen[kThreads] = {};
  for (int i = 0; i < kThreads; ++i) {
    if (pthread_create(&threads[i], nullptr, race, &seen[i]) != 0) {
      std::puts("FAIL: pthread_create");
      return 2;
    }
  }
  for (pthread_t& thread : threads) {
    (void)pthread_join(thread, nullptr);
  }
  int failures = 0;
  for (int i = 0; i < kThreads; ++i) {
    if (seen[i] != 42) {
      std::printf("FAIL: thread %d saw %d before construction finished\n", i, seen[i]);
      ++failures;
    }
  }
  if (g_constructions != 1 || g_inner_constructions != 1) {
    std::printf("FAIL: constructed %d times (inner %d), want once each\n", g_constructions,
                g_inner_constructions);
    ++failures;
  }
  if (failures == 0) {
    std::printf("ok: %d threads, one construction, nested static initialised inside it\n",
                kThreads);
  }
  return failures == 0 ? 0 : 1;
}
