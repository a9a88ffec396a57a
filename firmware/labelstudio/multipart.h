// multipart/form-data for Label Studio's file import: one file part, streamed from storage.
#pragma once

#include <cstdint>
#include <string_view>

#include "board_sizes.h"
#include "firmware/core/fixed_string.h"
#include "firmware/core/result.h"
#include "firmware/http/http.h"
#include "hal/entropy.h"
#include "hal/storage.h"

namespace lsedge::labelstudio {

// "lsedge-" + 32 hex digits: 128 random bits, so the boundary cannot plausibly occur in a file
// (RFC 2046 allows at most 70 characters). Thread-safety: a value type.
using MultipartBoundary = FixedString<70>;

// A fresh random boundary. EntropyFailure if the entropy source fails. Thread-safety: as the
// entropy source.
[[nodiscard]] Outcome make_multipart_boundary(hal::Entropy& entropy, MultipartBoundary& out);

// The part's Content-Type from the file extension (case-insensitive): the formats Label Studio
// imports (its SUPPORTED_EXTENSIONS); anything else is application/octet-stream.
// Thread-safety: pure function.
[[nodiscard]] std::string_view media_type_for(std::string_view filename);

// Label Studio refuses an upload whose extension (as Python's os.path.splitext finds it,
// compared case-insensitively) is not in its SUPPORTED_EXTENSIONS: UsageError naming the
// extension and listing the accepted ones, so nothing is sent. Thread-safety: pure function.
[[nodiscard]] Outcome check_importable(std::string_view filename);

// check_importable(), and not a file Label Studio reads tasks from (.csv .tsv .json .txt: a task
// per row or line, which a media entry of one task cannot stand for): UsageError that says so.
// Thread-safety: pure function.
[[nodiscard]] Outcome check_media_file(std::string_view filename);

// The last path component ("a/b/c.jpg" → "c.jpg"; "dir/" → ""). Thread-safety: pure function.
[[nodiscard]] std::string_view path_basename(std::string_view path);

// The body of a multipart/form-data request with one file part:
//   --B CRLF Content-Disposition: form-data; name="F"; filename="N" CRLF
//   Content-Type: T CRLF CRLF <file bytes> CRLF --B-- CRLF
// N is the path's basename, with '"', '\', and control characters percent-encoded (as browsers
// do for '"', CR and LF; Django would otherwise cut a name at '\'). The file is read in pieces
// through hal::Storage, never whole; size() is exact from the moment open() succeeds (the file's
// size then; a file that shrinks while being sent fails with FileError, bytes it grows by are
// not sent). Thread-safety: one thread at a time.
class MultipartFileSource final : public http::BodySource {
 public:
  explicit MultipartFileSource(hal::Storage& storage) : storage_(storage) {}
  MultipartFileSource(const MultipartFileSource&) = delete;
  MultipartFileSource& operator=(const MultipartFileSource&) = delete;
  ~MultipartFileSource() { close(); }

  // Lays out the part and opens the file (a source can be opened again; the old file is closed).
  //   InvalidArgument: a field name that is not an HTTP token, a boundary that is empty, longer
  //     than 70 or not [0-9A-Za-z'+_.-] (the RFC 2046 characters that need no quoting in the
  //     Content-Type header), a path with no file name;
  //   InvalidUtf8: the file name is not UTF-8;
  //   BufferTooSmall: the part header exceeds LSEDGE_MULTIPART_HEAD_CAPACITY;
  //   Storage errors (FileError, the path in the detail) when the file cannot be opened.
  [[nodiscard]] Outcome open(std::string_view path, std::string_view field_name,
                             std::string_view boundary);
  void close();

  // "multipart/form-data; boundary=<boundary>", for Request::content_type.
  [[nodiscard]] std::string_view content_type() const { return content_type_.view(); }
  [[nodiscard]] uint64_t file_size() const { return file_size_; }

  [[nodiscard]] Result<size_t> read(ByteSpan out) override;
  [[nodiscard]] Outcome rewind() override;
  [[nodiscard]] uint64_t size() const override;

 private:
  [[nodiscard]] Error file_error(std::string_view what) const;

  hal::Storage& storage_;
  hal::FileHandle file_;
  uint64_t file_size_ = 0;
  uint64_t position_ = 0;  // in the whole body
  FixedString<LSEDGE_MULTIPART_HEAD_CAPACITY> head_;
  FixedString<80> tail_;  // CRLF "--" boundary "--" CRLF
  FixedString<110> content_type_;
  FixedString<LSEDGE_PATH_CAPACITY> path_;  // for error details only (truncated if longer)
};

}  // namespace lsedge::labelstudio
