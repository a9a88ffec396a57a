// A PEM file of CA certificates, read one certificate at a time through a small buffer, so the
// system bundle (~220 KB) never has to fit in memory. The TLS transport reads it from the start
// for every trusted root it looks up (net::CaLookup).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "board_sizes.h"
#include "firmware/core/fixed_string.h"
#include "firmware/core/result.h"
#include "firmware/core/span.h"
#include "firmware/net/pem_certificate_source.h"
#include "hal/storage.h"

namespace lsedge::app {

// Which setting the file came from, for the wording of errors.
enum class CaFileOrigin {
  Setting,       // LABEL_STUDIO_CA_FILE / --ca-file
  SystemBundle,  // the default, /etc/ssl/certs/ca-certificates.crt
};

// Thread-safety: one thread at a time; closes its file when destroyed.
class PemFileSource final : public net::PemCertificateSource {
 public:
  // `buffer` must hold the largest certificate's PEM block plus one byte (the NUL); a block that
  // does not fit is skipped and counted.
  PemFileSource(hal::Storage& storage, ByteSpan buffer) : storage_(storage), buffer_(buffer) {}
  ~PemFileSource();
  PemFileSource(const PemFileSource&) = delete;
  PemFileSource& operator=(const PemFileSource&) = delete;

  // Opens `path` (kept for rewind()). Errors, here and from next()/rewind(): ConfigInvalid naming
  // the setting, the path and the problem (for the system bundle: install ca-certificates or set
  // LABEL_STUDIO_CA_FILE), with the errno as code; InvalidArgument for a path longer than
  // LSEDGE_PATH_CAPACITY or a buffer too small for one certificate.
  [[nodiscard]] Outcome open(std::string_view path, CaFileOrigin origin = CaFileOrigin::Setting);
  // net::PemCertificateSource: the next certificate block + NUL, or an empty span at the end.
  [[nodiscard]] Result<ConstByteSpan> next() override;
  // Closes and reopens the file: a bundle replaced since (update-ca-certificates renames a new
  // file into place) is read from then on.
  [[nodiscard]] Outcome rewind() override;
  // Blocks skipped since the last open()/rewind() because they were larger than the buffer.
  [[nodiscard]] size_t oversized() const override { return oversized_; }
  void close();

 private:
  [[nodiscard]] Outcome reopen();
  // The storage's error worded for the user (see open()).
  [[nodiscard]] Error file_error(const Error& cause) const;
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
  FixedString<LSEDGE_PATH_CAPACITY> path_;
  CaFileOrigin origin_ = CaFileOrigin::Setting;
  bool open_ = false;
  bool end_of_file_ = false;
  uint64_t offset_ = 0;     // next file offset to read
  size_t length_ = 0;       // bytes of the file in buffer_
  size_t consumed_ = 0;     // bytes of buffer_ the last block used (dropped on the next call)
  uint8_t saved_byte_ = 0;  // the byte the NUL after the last block replaced
  size_t oversized_ = 0;
};

}  // namespace lsedge::app
