// The one translation of errno and getaddrinfo codes into lsedge Status values.
#pragma once

#include <cstdint>
#include <string_view>

#include "firmware/core/result.h"
#include "firmware/core/status.h"

namespace lsedge::platform {

// What kind of call failed; the same errno means different things to a socket and a file.
// FileReplace: rename(2) or rmdir(2), where POSIX lets EEXIST mean "directory not empty".
enum class ErrnoContext : uint8_t { Socket, File, FileReplace, Entropy };

// Socket:  ECONNREFUSED -> ConnectionRefused; ECONNRESET, EPIPE, ECONNABORTED -> ConnectionReset;
//          ETIMEDOUT -> Timeout; anything else -> NetworkError.
// File:    ENOENT -> FileNotFound; EEXIST -> FileExists; ENOTEMPTY -> DirectoryNotEmpty;
//          ENOSPC, EDQUOT, EFBIG -> NoSpace; anything else -> FileError.
// FileReplace: as File, but EEXIST -> DirectoryNotEmpty.
// Entropy: every errno -> EntropyFailure.
// errno 0 (no error recorded) still yields the context's failure, never Ok.
// Thread-safety: pure function.
[[nodiscard]] Status status_from_errno(int err, ErrnoContext context);

// An Error with status_from_errno(err), errno in Error::code and `what` (a host, a path) in
// Error::detail. Never pass a secret as `what`. Thread-safety: pure function.
[[nodiscard]] Error errno_error(int err, ErrnoContext context, std::string_view what);

// A getaddrinfo() failure: DnsFailure with the EAI_* code in Error::code (negative on glibc, so it
// never collides with an errno) and the host in Error::detail. EAI_SYSTEM is the exception: the
// real cause is `saved_errno`, translated as a socket errno. Thread-safety: pure function.
[[nodiscard]] Error resolver_error(int gai_code, int saved_errno, std::string_view host);

}  // namespace lsedge::platform
