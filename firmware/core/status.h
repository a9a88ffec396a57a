// The one status enum of lsedge, its messages, and the exit-code class of each value.
#pragma once

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

  // Local resources.
  FileError,
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
  Cancelled,

  kCount_  // not a status; keeps the message table honest
};

// What kind of failure a Status is; the CLI maps each class to one exit code.
enum class StatusClass : uint8_t {
  Ok,
  CallerBug,
  Usage,    // exit 2
  Auth,     // exit 3
  Network,  // exit 4
  Server,   // exit 5 (also local resources and anything else)
};

// A short sentence: what happened and what to do. Never contains secrets.
[[nodiscard]] const char* status_message(Status status);
// A stable identifier such as "buffer_too_small", for logs and JSON output.
[[nodiscard]] const char* status_name(Status status);
[[nodiscard]] StatusClass status_class(Status status);
// 0 ok, 2 usage/config, 3 authentication, 4 network/TLS, 5 server or other.
[[nodiscard]] int exit_code_for(Status status);

}  // namespace lsedge
