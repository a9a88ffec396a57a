/* liblsedge: the C API for capture applications (issue #13).
 *
 * A capture loop queues what it captured in an lsedge spool directory, offline; the lsedge
 * service (`lsedge run`) uploads it to Label Studio. Nothing here touches the network.
 *
 *   - No heap: every call works in the caller's buffers and the library's static memory.
 *   - No exceptions cross this boundary; every call returns an lsedge_status.
 *   - Thread-safe: calls may come from any thread (spool operations are serialised inside the
 *     library; many processes may add to one spool at once).
 *   - Stable: the ABI of this header is the library's soname (liblsedge.so.1); new calls and
 *     status codes may be added, existing ones keep their meaning and value.
 *
 * Errors: a call returns LSEDGE_OK or a code below; lsedge_status_message() says what it means
 * and what to do. Calls that take an `lsedge_error*` (may be NULL) also fill it with the code and
 * a detail naming what was wrong (a path, a byte offset), NUL-terminated and cut to fit.
 */
#ifndef LSEDGE_H
#define LSEDGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define LSEDGE_API __attribute__((visibility("default")))
#else
#define LSEDGE_API
#endif

#define LSEDGE_API_VERSION 1

typedef enum lsedge_status {
  LSEDGE_OK = 0,
  LSEDGE_INVALID_ARGUMENT = 1, /* a NULL pointer, a zero count: a bug in the caller */
  LSEDGE_BUFFER_TOO_SMALL = 2, /* the output buffer cannot hold the result */
  LSEDGE_INVALID_INPUT = 3,    /* the tasks, media file, predictions or title are not usable */
  LSEDGE_NOT_A_SPOOL = 4,      /* the directory is not an lsedge spool (or no such directory) */
  LSEDGE_SPOOL_FULL = 5,       /* the spool is at its size cap: nothing was queued */
  LSEDGE_NO_SPACE = 6,         /* the disk is full: nothing was queued */
  LSEDGE_STORAGE_ERROR = 7,    /* a file could not be read or written (missing, permissions) */
  LSEDGE_INTERNAL_ERROR = 8    /* anything else (see the detail) */
} lsedge_status;

#define LSEDGE_ERROR_DETAIL_SIZE 256

/* What went wrong, for the caller's log. Thread-safety: the caller's. */
typedef struct lsedge_error {
  lsedge_status status;
  char detail[LSEDGE_ERROR_DETAIL_SIZE];
} lsedge_error;

/* What an add queued. Thread-safety: a value type. */
typedef struct lsedge_add_result {
  uint64_t sequence; /* the add's group in the queue */
  uint64_t entries;
  uint64_t tasks;
  uint64_t bytes;
} lsedge_add_result;

/* A spool's state, as `lsedge status` shows it. Thread-safety: a value type. */
typedef struct lsedge_spool_status {
  uint64_t queued_entries;
  uint64_t queued_tasks;
  uint64_t queued_bytes;
  uint64_t max_bytes; /* the size cap; 0: none */
  uint64_t rejected_entries;
  uint64_t outcome_unknown;
  int64_t oldest_entry_unix; /* 0: the queue is empty */
  int64_t last_success_unix; /* from the service's run-state; 0: none recorded */
  int64_t last_error_unix;   /* 0: none recorded */
} lsedge_spool_status;

/* "lsedge 1.2.3". */
LSEDGE_API const char* lsedge_version(void);
/* A stable name ("spool_full") and a sentence for people, for any value. */
LSEDGE_API const char* lsedge_status_name(lsedge_status status);
LSEDGE_API const char* lsedge_status_message(lsedge_status status);

/* Queues tasks: `json` (`size` bytes, not NUL-terminated) is a JSON array of task objects, one
 * object, or NDJSON, as `lsedge spool add FILE` takes; it is checked whole first (nothing is
 * queued from invalid input) and queued atomically. The spool directory is made if it does not
 * exist (its parent must). */
LSEDGE_API lsedge_status lsedge_spool_add_tasks(const char* spool_dir, const char* json,
                                                size_t size, lsedge_add_result* result,
                                                lsedge_error* error);

/* Queues `count` media files, one task each, in order, atomically (all or none).
 * `predictions[i]` (the array may be NULL, an element NULL) names a predictions file for
 * media_paths[i], Label Studio's format: [{"result": [...], "score": ..., "model_version": ...}].
 * The files are hard-linked where the service can read them as they are, else copied: do not
 * rewrite a queued file in place (write a new one and rename it). */
LSEDGE_API lsedge_status lsedge_spool_add_media(const char* spool_dir,
                                                const char* const* media_paths,
                                                const char* const* predictions, size_t count,
                                                lsedge_add_result* result, lsedge_error* error);

/* Reads a spool's state (no lock: works beside a running service). */
LSEDGE_API lsedge_status lsedge_spool_get_status(const char* spool_dir, lsedge_spool_status* status,
                                                 lsedge_error* error);

/* Formats a Label Studio project title "{name} ({id[:8]})" of at most 50 characters into `out`
 * (NUL-terminated; `out_size` of at least 201 bytes always suffices); `id` may be NULL or "". */
LSEDGE_API lsedge_status lsedge_format_title(const char* name, const char* id, char* out,
                                             size_t out_size, lsedge_error* error);

#ifdef __cplusplus
}
#endif

#endif /* LSEDGE_H */
