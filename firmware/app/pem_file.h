// A PEM file of CA certificates, read one certificate at a time through a small buffer, so the
// system bundle (~220 KB) never has to fit in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "firmware/core/result.h"
#include "firmware/core/span.h"
#include "firmware/net/pem_certificate_source.h"
#include "hal/storage.h"

namespace lsedge::app {

// Thread-safety: one thread at a time; closes its file when destroyed.
class PemFileSource final : public net::PemCertificateSource {
 public:
  // `buffer` must hold the largest certificate's PEM block plus one byte (the NUL); a block that
  // does not fit is skipped and counted.
  PemFileSource(hal::Storage& storage, ByteSpan buffer) : storage_(storage), buffer_(buffer) {}
  ~PemFileSource();
  PemFileSource(const PemFileSource&) = delete;
  PemFileSource& operator=(const PemFileSource&) = delete;

  [[nodiscard]] Outcome open(std::string_view path);
  // net::PemCertificateSource: the next certificate block + NUL, or an empty span at the end.
  [[nodiscard]] Result<ConstByteSpan> next() override;
  // Blocks skipped because they were larger than the buffer.
  [[nodiscard]] size_t oversized() const { return oversized_; }
  void close();

 private:
  [[nodiscard]] Outcome fill();
  // Drops bytes (reading more as needed) until the buffer starts with a BEGIN marker; false at
  // the end of the file.
  [[nodiscard]] Result<bool> find_begin();
  // The block [0, end + END marker) with a NUL after it, saving the byte the NUL replaces.
  [[nodiscard]] ConstByteSpan cut_block(size_t end);
  void drop_front(size_t count);

  hal::Storage& storage_;
  ByteSpan buffer_;
  hal::FileHandle file_;
  bool open_ = false;
  bool end_of_file_ = false;
  uint64_t offset_ = 0;     // next file offset to read
  size_t length_ = 0;       // bytes of the file in buffer_
  size_t consumed_ = 0;     // bytes of buffer_ the last block used (dropped on the next call)
  uint8_t saved_byte_ = 0;  // the byte the NUL after the last block replaced
  size_t oversized_ = 0;
};

}  // namespace lsedge::app
