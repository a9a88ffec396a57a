#include "firmware/labelstudio/multipart.h"

#include <cstring>

#include "firmware/core/packed_strings.h"
#include "firmware/core/utf8.h"

namespace lsedge::labelstudio {
namespace {

constexpr size_t kMaxBoundaryChars = 70;  // RFC 2046

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_lower(std::string_view text, std::string_view lower_case) {
  if (text.size() != lower_case.size()) {
    return false;
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (lower(text[i]) != lower_case[i]) {
      return false;
    }
  }
  return true;
}

bool is_token(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (const char c : text) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool valid_boundary(std::string_view boundary) {
  if (boundary.empty() || boundary.size() > kMaxBoundaryChars) {
    return false;
  }
  for (const char c : boundary) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("'+_.-").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// Percent-encodes what would end or confuse the quoted filename parameter.
template <size_t N>
Status append_filename(std::string_view name, FixedString<N>& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || c == '"' || c == '\\') {
      const char escaped[3] = {'%', kHex[byte >> 4], kHex[byte & 0x0F]};
      if (out.append(std::string_view(escaped, 3)) != Status::Ok) {
        return Status::BufferTooSmall;
      }
    } else if (out.append(c) != Status::Ok) {
      return Status::BufferTooSmall;
    }
  }
  return Status::Ok;
}

struct MediaType {
  std::string_view extension;
  std::string_view type;
};

// Label Studio's SUPPORTED_EXTENSIONS (core/settings/base.py), which data_import/uploader.py
// checks case-insensitively before it stores an uploaded file, each with its media type.
constexpr MediaType kMediaTypes[] = {
    {"bmp", "image/bmp"},       {"csv", "text/csv"},      {"flac", "audio/flac"},
    {"gif", "image/gif"},       {"htm", "text/html"},     {"html", "text/html"},
    {"jpg", "image/jpeg"},      {"jpeg", "image/jpeg"},   {"json", "application/json"},
    {"m4a", "audio/mp4"},       {"mp3", "audio/mpeg"},    {"ogg", "audio/ogg"},
    {"png", "image/png"},       {"svg", "image/svg+xml"}, {"tsv", "text/tab-separated-values"},
    {"txt", "text/plain"},      {"wav", "audio/wav"},     {"xml", "application/xml"},
    {"mp4", "video/mp4"},       {"webm", "video/webm"},   {"webp", "image/webp"},
    {"pdf", "application/pdf"},
};
// What the program keeps of kMediaTypes (read at compile time only): packed, no pointers.
constexpr auto kExtensions = pack_strings<packed_bytes(kMediaTypes, &MediaType::extension)>(
    kMediaTypes, &MediaType::extension);
constexpr auto kTypes =
    pack_strings<packed_bytes(kMediaTypes, &MediaType::type)>(kMediaTypes, &MediaType::type);

// The extension as Python's os.path.splitext sees it (leading dots belong to the name), without
// its dot; empty when there is none.
std::string_view extension_of(std::string_view filename) {
  const std::string_view name = path_basename(filename);
  const size_t first = name.find_first_not_of('.');
  const size_t dot = name.rfind('.');
  if (first == std::string_view::npos || dot == std::string_view::npos || dot < first) {
    return {};
  }
  return name.substr(dot + 1);
}

// The row of the file's media type, or kExtensions.size() when Label Studio refuses it.
size_t find_media(std::string_view filename) {
  const std::string_view extension = extension_of(filename);
  size_t row = 0;
  while (row < kExtensions.size() && !equals_lower(extension, kExtensions[row])) {
    ++row;
  }
  return row;
}

}  // namespace

Outcome make_multipart_boundary(hal::Entropy& entropy, MultipartBoundary& out) {
  uint8_t random[16];
  const Status filled = entropy.fill(ByteSpan(random));
  if (filled != Status::Ok) {
    return Error(filled, "random multipart boundary");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out.clear();
  (void)out.append("lsedge-");  // 7 + 32 characters always fit in 70
  for (const uint8_t byte : random) {
    (void)out.append(kHex[byte >> 4]);
    (void)out.append(kHex[byte & 0x0F]);
  }
  return {};
}

std::string_view media_type_for(std::string_view filename) {
  const size_t row = find_media(filename);
  return row < kTypes.size() ? kTypes[row] : "application/octet-stream";
}

Outcome check_importable(std::string_view filename) {
  if (find_media(filename) < kExtensions.size()) {
    return {};
  }
  const std::string_view extension = extension_of(filename);
  Error error(Status::UsageError, "Label Studio does not import ");
  if (extension.empty()) {
    error.detail.append_truncated("files without an extension");
  } else {
    error.detail.append_truncated("'.");
    error.detail.append_truncated(extension.substr(0, 16));
    error.detail.append_truncated("' files");
  }
  error.detail.append_truncated("; it takes");
  for (size_t row = 0; row < kExtensions.size(); ++row) {
    error.detail.append_truncated(" .");
    error.detail.append_truncated(kExtensions[row]);
  }
  return error;
}

Outcome check_media_file(std::string_view filename) {
  LSEDGE_TRY(check_importable(filename));
  const std::string_view type = media_type_for(filename);
  if (type != "text/csv" && type != "text/tab-separated-values" && type != "application/json" &&
      type != "text/plain") {
    return {};
  }
  Error error(Status::UsageError, "Label Studio reads tasks from '.");
  error.detail.append_truncated(extension_of(filename).substr(0, 16));
  error.detail.append_truncated(
      "' files (one per row or line), so it is not queued as one media file: ");
  error.detail.append_truncated(path_basename(filename));
  error.detail.append_truncated(
      "; queue a JSON task file with `lsedge spool add --spool DIR FILE`");
  return error;
}

std::string_view path_basename(std::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

Error MultipartFileSource::file_error(std::string_view what) const {
  Error error(Status::FileError, what);
  error.detail.append_truncated(": ");
  error.detail.append_truncated(path_.view());
  return error;
}

Outcome MultipartFileSource::open(std::string_view path, std::string_view field_name,
                                  std::string_view boundary) {
  close();
  head_.clear();
  tail_.clear();
  content_type_.clear();
  path_.clear();
  path_.append_truncated(path);
  if (!is_token(field_name)) {
    return Error(Status::InvalidArgument, "multipart field name is not an HTTP token");
  }
  if (!valid_boundary(boundary)) {
    return Error(Status::InvalidArgument,
                 "multipart boundary is empty, too long or has characters "
                 "that would need quoting");
  }
  const std::string_view name = path_basename(path);
  if (name.empty()) {
    Error error(Status::InvalidArgument, "upload path names no file: ");
    error.detail.append_truncated(path);
    return error;
  }
  if (!utf8_valid(name)) {
    Error error(Status::InvalidUtf8, "file name is not valid UTF-8: ");
    error.detail.append_truncated(path);
    return error;
  }

  const std::string_view crlf = "\r\n";
  const bool laid_out =
      head_.append("--") == Status::Ok && head_.append(boundary) == Status::Ok &&
      head_.append(crlf) == Status::Ok &&
      head_.append("Content-Disposition: form-data; name=\"") == Status::Ok &&
      head_.append(field_name) == Status::Ok && head_.append("\"; filename=\"") == Status::Ok &&
      append_filename(name, head_) == Status::Ok &&
      head_.append("\"\r\nContent-Type: ") == Status::Ok &&
      head_.append(media_type_for(name)) == Status::Ok && head_.append("\r\n\r\n") == Status::Ok;
  if (!laid_out) {
    head_.clear();
    return Error(Status::BufferTooSmall,
                 "multipart part header exceeds LSEDGE_MULTIPART_HEAD_CAPACITY");
  }
  // Both fit by construction: the boundary is at most 70 characters.
  (void)tail_.append("\r\n--");
  (void)tail_.append(boundary);
  (void)tail_.append("--\r\n");
  (void)content_type_.append("multipart/form-data; boundary=");
  (void)content_type_.append(boundary);

  Result<hal::FileHandle> opened = storage_.open_read(path);
  if (!opened.ok()) {
    Error error = opened.error();
    if (error.detail.view().find(path) == std::string_view::npos) {
      error.detail.append_truncated(error.detail.empty() ? "opening " : ": ");
      error.detail.append_truncated(path);
    }
    head_.clear();
    return error;
  }
  file_ = *opened;
  Result<uint64_t> size = storage_.size(file_);
  if (!size.ok()) {
    close();
    return size.error();
  }
  if (*size > UINT64_MAX - head_.size() - tail_.size()) {
    close();
    return file_error("file too large");
  }
  file_size_ = *size;
  position_ = 0;
  return {};
}

void MultipartFileSource::close() {
  if (file_.valid()) {
    storage_.close(file_);
  }
  file_ = hal::FileHandle{};
  file_size_ = 0;
  position_ = 0;
}

uint64_t MultipartFileSource::size() const {
  if (!file_.valid()) {
    return 0;
  }
  return head_.size() + file_size_ + tail_.size();
}

Outcome MultipartFileSource::rewind() {
  if (!file_.valid()) {
    return Error(Status::InvalidArgument, "multipart source is not open");
  }
  position_ = 0;
  return {};
}

Result<size_t> MultipartFileSource::read(ByteSpan out) {
  if (!file_.valid()) {
    return Error(Status::InvalidArgument, "multipart source is not open");
  }
  const uint64_t head_end = head_.size();
  const uint64_t file_end = head_end + file_size_;
  const uint64_t total = file_end + tail_.size();
  size_t written = 0;
  while (written < out.size() && position_ < total) {
    const size_t room = out.size() - written;
    if (position_ < head_end) {
      const auto offset = static_cast<size_t>(position_);
      const size_t n = head_.size() - offset < room ? head_.size() - offset : room;
      std::memcpy(out.data() + written, head_.view().data() + offset, n);
      written += n;
      position_ += n;
    } else if (position_ < file_end) {
      const uint64_t left = file_end - position_;
      const size_t want = left < room ? static_cast<size_t>(left) : room;
      Result<size_t> got =
          storage_.read_at(file_, position_ - head_end, out.subspan(written, want));
      if (!got.ok()) {
        return got.error();
      }
      if (*got == 0) {
        return file_error("file shrank while it was being uploaded");
      }
      if (*got > want) {
        return file_error("storage read more bytes than asked");
      }
      written += *got;
      position_ += *got;
      break;  // one storage read per call keeps each call bounded
    } else {
      const auto offset = static_cast<size_t>(position_ - file_end);
      const size_t n = tail_.size() - offset < room ? tail_.size() - offset : room;
      std::memcpy(out.data() + written, tail_.view().data() + offset, n);
      written += n;
      position_ += n;
    }
  }
  return written;
}

}  // namespace lsedge::labelstudio
