#include "firmware/http/http.h"

namespace lsedge::http {

const char* method_name(Method method) {
  switch (method) {
    case Method::Get:
      return "GET";
    case Method::Post:
      return "POST";
    case Method::Put:
      return "PUT";
    case Method::Patch:
      return "PATCH";
    case Method::Delete:
      return "DELETE";
    case Method::Head:
      return "HEAD";
  }
  return nullptr;
}

bool is_idempotent(Method method) {
  return method == Method::Get || method == Method::Head || method == Method::Put ||
         method == Method::Delete;
}

std::optional<std::string_view> Response::header(std::string_view name) const {
  // raw_headers is built by the reader: "Name: value\r\n" lines, names are llhttp-checked tokens.
  std::string_view rest = raw_headers;
  while (!rest.empty()) {
    const size_t end = rest.find("\r\n");
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    if (equals_ignore_case(line.substr(0, colon), name)) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace lsedge::http
