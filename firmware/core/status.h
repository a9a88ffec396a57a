// The one status enum of lsedge, a stable name and the class of each value. What a status means
// to a person (its message, its exit code) is the program's business: firmware/app/status_text.h.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lsedge {

// Every fallible call in lsedge reports one of these. Thread-safety: plain value, safe everywhere.
enum class Status : uint8_t {
  Ok = 0,

  // Caller mistakes (a bug in the calling code, never caused by the network or the server).
  InvalidArgument,
  BufferTooSmall,

  // Bad input handed to us by a person or a file.
  UsageError,
  ConfigMissing,
  ConfigInvalid,
  EmptyInput,
  InvalidUtf8,
  MalformedToken,
  AccessTokenGiven,
  InsecureHttpRefused,
  NoApiAtUrl,       // the URL answers, but not with Label Studio's API (wrong sub-path, old server)
  HttpToHttpsPort,  // http:// sent to a port that speaks HTTPS
  Redirected,       // the server redirects the URL elsewhere (3xx)
  TaskFileInvalid,  // a local task file is not valid JSON or not a task list (offset, line)
  UnsafeSettingsFile,  // a .env writable by group/others or owned by another user
  NotASpool,           // a non-empty directory without the spool marker (or a newer format)
  SpoolNotFound,       // `run` on a spool directory that does not exist (it never creates one)
  SpoolBusy,           // another consumer (`run`) holds the spool's lock
  SpoolFull,           // `spool add` would take the queue past the spool's size cap

  // Local resources.
  FileError,          // any other storage failure (errno in Error::code)
  FileNotFound,       // storage: nothing at that path
  FileExists,         // storage: a new file or directory's path is taken
  DirectoryNotEmpty,  // storage: a directory to remove or replace still has entries
  NoSpace,            // storage: the device is out of bytes or inodes
  NotARegularFile,    // storage: a directory, device, FIFO or socket where a file is needed
  NotADirectory,      // storage: a file or device where a directory is needed
  FileAccessDenied,   // storage: EACCES/EPERM/EROFS (permissions, read-only mount)
  EntropyFailure,

  // Network and TLS.
  Timeout,
  PeerClosed,
  ConnectionReset,
  ConnectionRefused,
  DnsFailure,
  NetworkError,
  TlsHandshakeFailed,
  TlsUnknownCa,
  TlsCertificateExpired,
  TlsNameMismatch,
  TlsPinMismatch,

  // HTTP framing.
  HttpMalformedResponse,
  HttpHeadersTooLarge,
  HttpBodyTooLarge,
  HttpTruncatedResponse,

  // Authentication.
  AuthenticationFailed,
  RefreshRejected,

  // Server answers and payloads.
  PermissionDenied,
  NotFound,
  ValidationFailed,
  RateLimited,
  ServerError,
  UnexpectedHttpStatus,
  JsonInvalid,
  JsonMissingField,
  ServerTokenMalformed,  // the server issued an access token that is not a readable JWT
  PaginationRunaway,     // a listing whose `next` repeats or that exceeds the page cap
  Cancelled,

  kCount_  // not a status; keeps the message table honest
};

// What kind of failure a Status is (the CLI maps each class to one exit code).
enum class StatusClass : uint8_t {
  Ok,
  CallerBug,
  Usage,    // exit 2
  Auth,     // exit 3
  Network,  // exit 4
  Server,   // exit 5 (also local resources and anything else)
  Full,     // exit 6: the spool is at its size cap (nothing was queued, nothing dropped)
};

// A stable identifier such as "buffer_too_small", for logs and JSON output.
[[nodiscard]] const char* status_name(Status status);
[[nodiscard]] StatusClass status_class(Status status);

// Tables with one row per Status (core's names, app's messages): `Row` has a `status` member.
// True when there is a row for every Status, in enum order (for a static_assert).
template <class Row, size_t N>
constexpr bool rows_cover_statuses_in_order(const Row (&rows)[N]) {
  if (N != static_cast<size_t>(Status::kCount_)) {
    return false;
  }
  for (size_t i = 0; i < N; ++i) {
    if (static_cast<size_t>(rows[i].status) != i) {
      return false;
    }
  }
  return true;
}
// The row of `status` in such a table; an out-of-range value (a corrupted byte) reads as
// InvalidArgument's row.
[[nodiscard]] constexpr size_t status_index(Status status) {
  const auto index = static_cast<size_t>(status);
  return index < static_cast<size_t>(Status::kCount_)
             ? index
             : static_cast<size_t>(Status::InvalidArgument);
}

}  // namespace lsedge
