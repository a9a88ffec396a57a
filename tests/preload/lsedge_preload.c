/* An LD_PRELOAD shim for tests that must see what the process really asks of the kernel.
 *
 * LSEDGE_TRACE_FILE=PATH: appends one line per call, as it happens (so a killed process still
 *   leaves its trace): "fsync PATH", "fdatasync PATH", "rename FROM TO", "unlink PATH",
 *   "rmdir PATH". A descriptor is named by its /proc/self/fd link. Relative paths are made
 *   absolute with the current directory.
 * LSEDGE_REALTIME_JUMP_S=N: every other reading of the wall clock (clock_gettime with
 *   CLOCK_REALTIME or CLOCK_REALTIME_COARSE, gettimeofday, time) is N seconds earlier than the
 *   one before it, as if NTP stepped the date back and forth: code that takes intervals from the
 *   wall clock sees time run backwards and jump forwards. CLOCK_MONOTONIC is never touched.
 *
 * Not built for cross builds (the emulator runs the binary). Thread-safe: every write is one
 * write(2) with O_APPEND; the jump counter is atomic. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static void trace(const char* what, const char* first, const char* second) {
  const char* file = getenv("LSEDGE_TRACE_FILE");
  if (file == NULL || *file == '\0') {
    return;
  }
  const int saved_errno = errno;
  char line[2 * PATH_MAX + 64];
  int n = second == NULL ? snprintf(line, sizeof line, "%s %s\n", what, first)
                         : snprintf(line, sizeof line, "%s %s %s\n", what, first, second);
  if (n > 0 && (size_t)n < sizeof line) {
    const int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
      (void)!write(fd, line, (size_t)n);
      close(fd);
    }
  }
  errno = saved_errno;
}

/* An absolute spelling of `path` into `out` (the current directory prefixed when relative). */
static const char* absolute(const char* path, char* out, size_t size) {
  if (path == NULL) {
    return "(null)";
  }
  if (path[0] == '/') {
    return path;
  }
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == NULL) {
    return path;
  }
  snprintf(out, size, "%s/%s", cwd, path);
  return out;
}

static void trace_fd(const char* what, int fd) {
  char link[64];
  char target[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const int saved_errno = errno;
  const ssize_t n = readlink(link, target, sizeof target - 1);
  errno = saved_errno;
  if (n <= 0) {
    trace(what, "?", NULL);
    return;
  }
  target[n] = '\0';
  trace(what, target, NULL);
}

#define NEXT(name, type) ((type)dlsym(RTLD_NEXT, name))

int fsync(int fd) {
  trace_fd("fsync", fd);
  return NEXT("fsync", int (*)(int))(fd);
}

int fdatasync(int fd) {
  trace_fd("fdatasync", fd);
  return NEXT("fdatasync", int (*)(int))(fd);
}

int rename(const char* from, const char* to) {
  const int rc = NEXT("rename", int (*)(const char*, const char*))(from, to);
  if (rc == 0) {
    char a[PATH_MAX + 1];
    char b[PATH_MAX + 1];
    trace("rename", absolute(from, a, sizeof a), absolute(to, b, sizeof b));
  }
  return rc;
}

int unlink(const char* path) {
  const int rc = NEXT("unlink", int (*)(const char*))(path);
  if (rc == 0) {
    char a[PATH_MAX + 1];
    trace("unlink", absolute(path, a, sizeof a), NULL);
  }
  return rc;
}

int rmdir(const char* path) {
  const int rc = NEXT("rmdir", int (*)(const char*))(path);
  if (rc == 0) {
    char a[PATH_MAX + 1];
    trace("rmdir", absolute(path, a, sizeof a), NULL);
  }
  return rc;
}

/* ---- the wall clock ---- */

static long jump_seconds(void) {
  static long cached = -1;
  if (cached < 0) {
    const char* value = getenv("LSEDGE_REALTIME_JUMP_S");
    cached = value == NULL ? 0 : strtol(value, NULL, 10);
    if (cached < 0) {
      cached = 0;
    }
  }
  return cached;
}

/* 0 or the jump, alternately, per reading. */
static long next_skew(void) {
  static unsigned long readings;
  const unsigned long n = __atomic_fetch_add(&readings, 1UL, __ATOMIC_RELAXED);
  return (n % 2U) == 1U ? jump_seconds() : 0;
}

int clock_gettime(clockid_t clock, struct timespec* ts) {
  const int rc = NEXT("clock_gettime", int (*)(clockid_t, struct timespec*))(clock, ts);
  if (rc == 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) {
    ts->tv_sec -= next_skew();
  }
  return rc;
}

int gettimeofday(struct timeval* tv, void* tz) {
  const int rc = NEXT("gettimeofday", int (*)(struct timeval*, void*))(tv, tz);
  if (rc == 0) {
    tv->tv_sec -= next_skew();
  }
  return rc;
}

time_t time(time_t* out) {
  time_t now = NEXT("time", time_t (*)(time_t*))(NULL);
  if (now != (time_t)-1) {
    now -= next_skew();
  }
  if (out != NULL) {
    *out = now;
  }
  return now;
}
