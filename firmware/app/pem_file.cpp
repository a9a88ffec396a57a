#include "firmware/app/pem_file.h"

#include <cstring>

#include "firmware/app/status_text.h"

namespace lsedge::app {
namespace {

constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
constexpr std::string_view kEnd = "-----END CERTIFICATE-----";

size_t find(ConstByteSpan haystack, std::string_view needle, size_t from = 0) {
  const std::string_view text(reinterpret_cast<const char*>(haystack.data()), haystack.size());
  return text.find(needle, from);
}

}  // namespace

PemFileSource::~PemFileSource() {
  close();
}

void PemFileSource::close() {
  if (open_) {
    storage_.close(file_);
    open_ = false;
  }
}

Outcome PemFileSource::open(std::string_view path, CaFileOrigin origin) {
  close();
  path_.clear();
  if (buffer_.size() < kBegin.size() + kEnd.size() + 2) {
    return Error(Status::InvalidArgument, "PEM buffer too small for one certificate");
  }
  if (path_.assign(path) != Status::Ok) {
    path_.clear();
    return Error(Status::InvalidArgument, "CA file path longer than LSEDGE_PATH_CAPACITY");
  }
  origin_ = origin;
  return reopen();
}

Outcome PemFileSource::rewind() {
  if (path_.empty()) {
    return Error(Status::InvalidArgument, "PemFileSource::rewind before open");
  }
  return reopen();
}

Outcome PemFileSource::reopen() {
  close();
  end_of_file_ = false;
  offset_ = 0;
  length_ = 0;
  consumed_ = 0;
  oversized_ = 0;
  Result<hal::FileHandle> file = storage_.open_read(path_.view());
  if (!file.ok()) {
    return file_error(file.error());
  }
  file_ = *file;
  open_ = true;
  return {};
}

Error PemFileSource::file_error(const Error& cause) const {
  const bool system = origin_ == CaFileOrigin::SystemBundle;
  Error error(Status::ConfigInvalid,
              system ? "cannot read the system CA bundle " : "cannot read LABEL_STUDIO_CA_FILE ");
  error.detail.append_truncated(path_.view());
  const std::string_view problem = file_problem(cause.status);
  if (!problem.empty()) {
    error.detail.append_truncated(": ");
    error.detail.append_truncated(problem);
  }
  if (system) {
    // Minimal systems (container images, debootstrap) have no bundle until it is installed.
    error.detail.append_truncated(
        "; install the ca-certificates package, or set LABEL_STUDIO_CA_FILE (--ca-file)");
  }
  error.code = cause.code;
  return error;
}

void PemFileSource::drop_front(size_t count) {
  std::memmove(buffer_.data(), buffer_.data() + count, length_ - count);
  length_ -= count;
}

Outcome PemFileSource::fill() {
  // One byte stays free for the NUL after a block.
  const size_t room = buffer_.size() - 1 - length_;
  const Result<size_t> result = storage_.read_at(file_, offset_, buffer_.subspan(length_, room));
  if (!result.ok()) {
    return file_error(result.error());
  }
  const size_t read = *result;
  if (read == 0) {
    end_of_file_ = true;
  }
  offset_ += read;
  length_ += read;
  return {};
}

Result<bool> PemFileSource::find_begin() {
  for (;;) {
    const size_t begin = find(ConstByteSpan(buffer_.data(), length_), kBegin);
    if (begin != std::string_view::npos) {
      drop_front(begin);
      return true;
    }
    // Keep a tail that may be the start of a marker cut by the buffer's end.
    const size_t keep = length_ < kBegin.size() - 1 ? length_ : kBegin.size() - 1;
    drop_front(length_ - keep);
    if (end_of_file_) {
      return false;
    }
    LSEDGE_TRY(fill());
  }
}

ConstByteSpan PemFileSource::cut_block(size_t end) {
  consumed_ = end + kEnd.size();
  saved_byte_ = buffer_[consumed_];  // within the free byte at worst
  buffer_[consumed_] = 0;
  return ConstByteSpan(buffer_.data(), consumed_ + 1);
}

Result<ConstByteSpan> PemFileSource::next() {
  if (!open_) {
    return Error(Status::InvalidArgument, "PemFileSource::next before open");
  }
  if (consumed_ > 0) {
    buffer_[consumed_] = saved_byte_;
    drop_front(consumed_);
    consumed_ = 0;
  }
  for (;;) {
    LSEDGE_TRY_ASSIGN(const bool found, find_begin());
    if (!found) {
      return ConstByteSpan();
    }
    const size_t end = find(ConstByteSpan(buffer_.data(), length_), kEnd, kBegin.size());
    if (end != std::string_view::npos) {
      return cut_block(end);
    }
    if (end_of_file_) {
      return ConstByteSpan();  // a truncated last block: nothing more to parse
    }
    if (length_ == buffer_.size() - 1) {
      ++oversized_;  // larger than the buffer: skip past this BEGIN, look for the next one
      drop_front(kBegin.size());
      continue;
    }
    LSEDGE_TRY(fill());
  }
}

}  // namespace lsedge::app
