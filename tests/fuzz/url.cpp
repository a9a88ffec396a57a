// The base URL parser and join_path: any text. Checked: no crash or sanitizer report; a parsed
// URL has a scheme-consistent port, a host without brackets, spaces, control or upper-case
// letters, a base path that is empty or starts with '/' and does not end with it; parsing the
// URL rebuilt from its parts gives the same parts; a refusal never echoes the text.
#include <string>

#include "firmware/app/url.h"
#include "tests/fuzz/fuzz_rig.h"

namespace lsedge::fuzz {
namespace {

void check_parts(const app::BaseUrl& url) {
  const std::string_view host = url.host.view();
  LSEDGE_FUZZ_CHECK(!host.empty());
  for (const char c : host) {
    LSEDGE_FUZZ_CHECK(c > ' ' && c < 0x7F && c != '[' && c != ']' && c != '/' && c != '@');
    LSEDGE_FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
  }
  LSEDGE_FUZZ_CHECK(url.port != 0);
  const std::string_view path = url.base_path.view();
  LSEDGE_FUZZ_CHECK(path.empty() || (path.front() == '/' && path.back() != '/'));
  for (const char c : path) {
    LSEDGE_FUZZ_CHECK(c > ' ' && c < 0x7F && c != '?' && c != '#');
  }
}

void parse(const std::string& text) {
  app::BaseUrl url;
  const Outcome outcome = app::parse_base_url(text, url, "FUZZ_URL");
  if (!outcome.ok()) {
    LSEDGE_FUZZ_CHECK(outcome.status() == Status::ConfigInvalid);
    LSEDGE_FUZZ_CHECK(outcome.error().detail.view().find("FUZZ_URL") != std::string_view::npos);
    // The text is never echoed (it may hold a password): a detail holding it must not hold the
    // case-swapped text too when given that (else lsedge's own words merely equal the input).
    if (text.size() >= 12 && outcome.error().detail.view().find(text) != std::string_view::npos) {
      const std::string swapped = swap_case(text);
      app::BaseUrl ignored;
      const Outcome again = app::parse_base_url(swapped, ignored, "FUZZ_URL");
      LSEDGE_FUZZ_CHECK(again.ok() ||
                        again.error().detail.view().find(swapped) == std::string_view::npos);
    }
    return;
  }
  check_parts(url);
  std::string rebuilt = url.scheme == app::Scheme::Https ? "https://" : "http://";
  rebuilt += url.host_is_ipv6 ? "[" + std::string(url.host.view()) + "]" : url.host.view();
  rebuilt += ":" + std::to_string(url.port) + std::string(url.base_path.view());
  app::BaseUrl again;
  LSEDGE_FUZZ_CHECK(app::parse_base_url(rebuilt, again).ok());
  LSEDGE_FUZZ_CHECK(again.host.view() == url.host.view() && again.port == url.port);
  LSEDGE_FUZZ_CHECK(again.base_path.view() == url.base_path.view());
  LSEDGE_FUZZ_CHECK(again.scheme == url.scheme && again.host_is_ipv6 == url.host_is_ipv6);
  LSEDGE_FUZZ_CHECK(again.host_is_loopback == url.host_is_loopback);
  FixedString<64> joined;
  const Outcome join = app::join_path(url, "/api/projects/?page=1", joined);
  LSEDGE_FUZZ_CHECK(join.ok() || join.status() == Status::BufferTooSmall);
}

}  // namespace
}  // namespace lsedge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lsedge::fuzz::parse(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
