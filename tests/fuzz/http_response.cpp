// The HTTP response reader (llhttp underneath) through the real Connection and TcpTransport over a
// scripted socket, and the ResponseReader on its own: any bytes, cut anywhere, with small or
// large header and body buffers, a HEAD request or not, the stream ending in a close or a stall.
// Checked: no crash or sanitizer report, a success stays inside its buffers with a real status,
// and a failure is a framing or network error with the connection closed.
#include <string>
#include <vector>

#include "firmware/http/connection.h"
#include "firmware/http/response_reader.h"
#include "tests/fuzz/fuzz_rig.h"
#include "tests/unit/http/http_harness.h"

namespace lsedge::fuzz {
namespace {

bool expected_failure(Status s) {
  return s == Status::HttpMalformedResponse || s == Status::HttpHeadersTooLarge ||
         s == Status::HttpTruncatedResponse || s == Status::Timeout || s == Status::PeerClosed;
}

void through_connection(FuzzedDataProvider& input, const std::string& stream) {
  http::test::Limits limits;
  limits.response_headers = input.ConsumeIntegralInRange<size_t>(16, 1024);
  limits.response_body = input.ConsumeIntegralInRange<size_t>(0, 512);
  limits.receive_chunk = input.ConsumeIntegralInRange<size_t>(1, 256);
  const bool head = input.ConsumeBool();
  const bool close_at_end = input.ConsumeBool();
  http::test::Harness h(limits);
  testing::ScriptedSocket::Connection& c = h.socket.add_connection();
  for (std::string& piece : split_pieces(stream, input, 64)) {
    c.then_data(std::move(piece));
  }
  if (close_at_end) {
    c.then_close();
  }
  http::Request request;
  request.method = head ? http::Method::Head : http::Method::Get;
  request.path = "/fuzz";
  const Result<http::Response> r = h.execute(request, 10000);
  if (r.ok()) {
    LSEDGE_FUZZ_CHECK(r->body.size() <= limits.response_body);
    LSEDGE_FUZZ_CHECK(r->raw_headers.size() <= limits.response_headers);
    LSEDGE_FUZZ_CHECK(r->status >= 200 && r->status <= 999);
    LSEDGE_FUZZ_CHECK(!r->truncated || r->body.size() == limits.response_body);
    LSEDGE_FUZZ_CHECK(r->keep_alive || !h.connection->is_open());
  } else {
    LSEDGE_FUZZ_CHECK(expected_failure(r.status()));
    LSEDGE_FUZZ_CHECK(!h.connection->is_open());
  }
}

// The reader alone, fed the same bytes in other pieces, then told the peer closed.
void reader_alone(FuzzedDataProvider& input, const std::string& stream) {
  std::vector<uint8_t> headers(input.ConsumeIntegralInRange<size_t>(1, 512));
  std::vector<uint8_t> body(input.ConsumeIntegralInRange<size_t>(0, 256));
  http::ResponseReader reader(ByteSpan(headers.data(), headers.size()),
                              ByteSpan(body.data(), body.size()));
  reader.set_drain_limit(input.ConsumeIntegralInRange<uint64_t>(0, 4096));
  reader.begin(input.ConsumeBool());
  for (const std::string& piece : split_pieces(stream, input, 128)) {
    if (!reader.feed(as_bytes(piece)).ok() || reader.complete()) {
      break;
    }
  }
  if (!reader.complete()) {
    (void)reader.finish();
  }
  if (reader.complete()) {
    const http::Response response = reader.response();
    LSEDGE_FUZZ_CHECK(response.body.size() <= body.size());
    LSEDGE_FUZZ_CHECK(response.raw_headers.size() <= headers.size());
  }
}

}  // namespace
}  // namespace lsedge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The first 40 bytes choose buffers and cuts; the rest is the stream.
  const size_t control = size < 40 ? size : 40;
  const std::string stream(reinterpret_cast<const char*>(data) + control, size - control);
  FuzzedDataProvider first(data, control);
  lsedge::fuzz::through_connection(first, stream);
  FuzzedDataProvider second(data, control);
  lsedge::fuzz::reader_alone(second, stream);
  return 0;
}
