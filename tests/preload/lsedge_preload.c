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
 * lsedge_preload_fault(FUNCTION, ACTION): a test that runs under the shim looks this up with
 *   dlsym(RTLD_DEFAULT, ...) and queues what the next call of FUNCTION does instead of its work:
 *   an errno value (> 0) fails it with that errno; LSEDGE_FAULT_ZERO returns 0 (read/write:
 *   no progress); LSEDGE_FAULT_SHORT does the real call for half the bytes (write, pwrite).
 *   FUNCTION: read pread write pwrite ftruncate fsync fstat fcntl open getrandom socket connect
 *   poll send recv getsockopt fstatat getdents64 (poll: SHORT reports POLLNVAL; getdents64, made
 *   through syscall(2): SHORT hands out the records with d_type DT_UNKNOWN). Calls on
 *   descriptors 0-2 are never faulted (the test's own output). lsedge_preload_clear() drops all.
 *
 * Not built for cross builds (the emulator runs the binary). Thread-safe: every write is one
 * write(2) with O_APPEND; the jump counter is atomic; faults are for one test thread. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define NEXT(name, type) ((type)dlsym(RTLD_NEXT, name))

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
    /* The real calls: the shim's own open/write would fault or recurse. */
    const int fd = NEXT("open", int (*)(const char*, int, ...))(
        file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
      (void)!NEXT("write", ssize_t (*)(int, const void*, size_t))(fd, line, (size_t)n);
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

/* ---- fault injection ---- */

#define LSEDGE_FAULT_ZERO (-1)
#define LSEDGE_FAULT_SHORT (-2)
#define FAULT_SLOTS 16

static struct {
  char function[16];
  int action;
} faults[FAULT_SLOTS];
static int fault_count;

void lsedge_preload_fault(const char* function, int action) {
  if (fault_count < FAULT_SLOTS) {
    snprintf(faults[fault_count].function, sizeof faults[fault_count].function, "%s", function);
    faults[fault_count].action = action;
    ++fault_count;
  }
}

void lsedge_preload_clear(void) {
  fault_count = 0;
}

/* The first queued action for `function`, taken off the queue; 0 when there is none. */
static int take_fault(const char* function) {
  for (int i = 0; i < fault_count; ++i) {
    if (strcmp(faults[i].function, function) == 0) {
      const int action = faults[i].action;
      memmove(&faults[i], &faults[i + 1], sizeof faults[0] * (size_t)(fault_count - i - 1));
      --fault_count;
      return action;
    }
  }
  return 0;
}

static int take_fd_fault(const char* function, int fd) {
  return fd > 2 ? take_fault(function) : 0;
}

/* Evaluates `action` once: it may take a fault off the queue. */
#define FAIL_WITH(action, value)  \
  do {                            \
    const int fault_ = (action);  \
    if (fault_ > 0) {             \
      errno = fault_;             \
      return (value);             \
    }                             \
  } while (0)

static ssize_t do_read(const char* name, int fd, void* data, size_t size) {
  const int action = take_fd_fault("read", fd);
  FAIL_WITH(action, -1);
  if (action == LSEDGE_FAULT_ZERO) {
    return 0;
  }
  return NEXT(name, ssize_t (*)(int, void*, size_t))(fd, data, size);
}
ssize_t read(int fd, void* data, size_t size) {
  return do_read("read", fd, data, size);
}

static ssize_t do_pread(const char* name, int fd, void* data, size_t size, off_t offset) {
  const int action = take_fd_fault("pread", fd);
  FAIL_WITH(action, -1);
  if (action == LSEDGE_FAULT_ZERO) {
    return 0;
  }
  return NEXT(name, ssize_t (*)(int, void*, size_t, off_t))(fd, data, size, offset);
}
ssize_t pread(int fd, void* data, size_t size, off_t offset) {
  return do_pread("pread", fd, data, size, offset);
}
ssize_t pread64(int fd, void* data, size_t size, off64_t offset) {
  return do_pread("pread64", fd, data, size, (off_t)offset);
}

ssize_t write(int fd, const void* data, size_t size) {
  const int action = take_fd_fault("write", fd);
  FAIL_WITH(action, -1);
  if (action == LSEDGE_FAULT_ZERO) {
    return 0;
  }
  if (action == LSEDGE_FAULT_SHORT && size > 1) {
    size /= 2;
  }
  return NEXT("write", ssize_t (*)(int, const void*, size_t))(fd, data, size);
}

static ssize_t do_pwrite(const char* name, int fd, const void* data, size_t size, off_t offset) {
  const int action = take_fd_fault("pwrite", fd);
  FAIL_WITH(action, -1);
  if (action == LSEDGE_FAULT_ZERO) {
    return 0;
  }
  if (action == LSEDGE_FAULT_SHORT && size > 1) {
    size /= 2;
  }
  return NEXT(name, ssize_t (*)(int, const void*, size_t, off_t))(fd, data, size, offset);
}
ssize_t pwrite(int fd, const void* data, size_t size, off_t offset) {
  return do_pwrite("pwrite", fd, data, size, offset);
}
ssize_t pwrite64(int fd, const void* data, size_t size, off64_t offset) {
  return do_pwrite("pwrite64", fd, data, size, (off_t)offset);
}

int ftruncate(int fd, off_t length) {
  FAIL_WITH(take_fd_fault("ftruncate", fd), -1);
  return NEXT("ftruncate", int (*)(int, off_t))(fd, length);
}
int ftruncate64(int fd, off64_t length) {
  FAIL_WITH(take_fd_fault("ftruncate", fd), -1);
  return NEXT("ftruncate64", int (*)(int, off64_t))(fd, length);
}

int fstat(int fd, struct stat* st) {
  FAIL_WITH(take_fd_fault("fstat", fd), -1);
  return NEXT("fstat", int (*)(int, struct stat*))(fd, st);
}
int fstat64(int fd, struct stat64* st) {
  FAIL_WITH(take_fd_fault("fstat", fd), -1);
  return NEXT("fstat64", int (*)(int, struct stat64*))(fd, st);
}

static int do_fcntl(const char* name, int fd, int command, va_list args) {
  FAIL_WITH(take_fd_fault("fcntl", fd), -1);
  /* Every fcntl argument lsedge passes fits a long (an int or a pointer). */
  const long argument = va_arg(args, long);
  return NEXT(name, int (*)(int, int, ...))(fd, command, argument);
}
int fcntl(int fd, int command, ...) {
  va_list args;
  va_start(args, command);
  const int rc = do_fcntl("fcntl", fd, command, args);
  va_end(args);
  return rc;
}
int fcntl64(int fd, int command, ...) {
  va_list args;
  va_start(args, command);
  const int rc = do_fcntl("fcntl64", fd, command, args);
  va_end(args);
  return rc;
}

static int do_open(const char* name, const char* path, int flags, va_list args) {
  FAIL_WITH(take_fault("open"), -1);
  const mode_t mode = (flags & (O_CREAT | O_TMPFILE)) != 0 ? (mode_t)va_arg(args, int) : 0;
  return NEXT(name, int (*)(const char*, int, ...))(path, flags, mode);
}
int open(const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const int fd = do_open("open", path, flags, args);
  va_end(args);
  return fd;
}
int open64(const char* path, int flags, ...) {
  va_list args;
  va_start(args, flags);
  const int fd = do_open("open64", path, flags, args);
  va_end(args);
  return fd;
}

ssize_t getrandom(void* data, size_t size, unsigned int flags) {
  FAIL_WITH(take_fault("getrandom"), -1);
  return NEXT("getrandom", ssize_t (*)(void*, size_t, unsigned int))(data, size, flags);
}

int socket(int domain, int type, int protocol) {
  FAIL_WITH(take_fault("socket"), -1);
  return NEXT("socket", int (*)(int, int, int))(domain, type, protocol);
}

/* The real connect is always made (an EINTR or EINPROGRESS handshake goes on in the kernel);
 * a queued errno replaces its result. */
int connect(int fd, const struct sockaddr* address, socklen_t length) {
  const int action = take_fd_fault("connect", fd);
  const int rc =
      NEXT("connect", int (*)(int, const struct sockaddr*, socklen_t))(fd, address, length);
  FAIL_WITH(action, -1);
  return rc;
}

/* glibc declares poll's array write-only; the shim reads the descriptor the caller set. */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
int poll(struct pollfd* fds, nfds_t count, int timeout) {
  const int action = count == 1 && fds[0].fd > 2 ? take_fault("poll") : 0;
  FAIL_WITH(action, -1);
  if (action == LSEDGE_FAULT_SHORT) {
    fds[0].revents = POLLNVAL;  /* the descriptor is not open */
    return 1;
  }
  return NEXT("poll", int (*)(struct pollfd*, nfds_t, int))(fds, count, timeout);
}

ssize_t send(int fd, const void* data, size_t size, int flags) {
  const int action = take_fd_fault("send", fd);
  FAIL_WITH(action, -1);
  if (action == LSEDGE_FAULT_SHORT && size > 1) {
    size /= 2;
  }
  return NEXT("send", ssize_t (*)(int, const void*, size_t, int))(fd, data, size, flags);
}

ssize_t recv(int fd, void* data, size_t size, int flags) {
  FAIL_WITH(take_fd_fault("recv", fd), -1);
  return NEXT("recv", ssize_t (*)(int, void*, size_t, int))(fd, data, size, flags);
}

int getsockopt(int fd, int level, int name, void* value, socklen_t* length) {
  FAIL_WITH(take_fd_fault("getsockopt", fd), -1);
  return NEXT("getsockopt", int (*)(int, int, int, void*, socklen_t*))(fd, level, name, value,
                                                                      length);
}

int fstatat(int fd, const char* path, struct stat* st, int flags) {
  FAIL_WITH(take_fault("fstatat"), -1);
  return NEXT("fstatat", int (*)(int, const char*, struct stat*, int))(fd, path, st, flags);
}

/* Record layout of getdents64(2). */
struct dirent64_record {
  unsigned long long d_ino;
  long long d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

/* x86-64 and the other 64-bit ABIs pass syscall's arguments in registers: forwarding six longs
 * is what glibc's own wrapper does. Only getdents64 is looked at. */
long syscall(long number, ...) {
  va_list args;
  va_start(args, number);
  long a[6];
  for (int i = 0; i < 6; ++i) {
    a[i] = va_arg(args, long);
  }
  va_end(args);
  long (*real)(long, ...) = NEXT("syscall", long (*)(long, ...));
  if (number != SYS_getdents64) {
    return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
  }
  const int action = take_fd_fault("getdents64", (int)a[0]);
  FAIL_WITH(action, -1);
  const long n = real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
  if (action == LSEDGE_FAULT_SHORT && n > 0) {
    for (long at = 0; at < n;) {
      struct dirent64_record* record = (struct dirent64_record*)((char*)a[1] + at);
      record->d_type = 0; /* DT_UNKNOWN */
      at += record->d_reclen;
    }
  }
  return n;
}

int fsync(int fd) {
  trace_fd("fsync", fd);
  FAIL_WITH(take_fd_fault("fsync", fd), -1);
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
