// The import answers: through the real Client (legacy key) a task batch is posted and answered
// with any body and status (201 counts or {"import": id}, a 400 refusal with its item list, an
// error envelope ...), read through a body buffer of 64 bytes to 16 KiB; the refusal's item list
// is read as the uploader reads it (parse_import_refusal, from a possibly truncated body); and
// the body is given to parse_import_result directly. Checked: no crash or sanitizer report; the
// item verdicts stay within the batch and the body; a success needs a 2xx answer.
#include <cstring>
#include <string>

#include "firmware/labelstudio/import.h"
#include "firmware/labelstudio/import_refusal.h"
#include "tests/fuzz/api_rig.h"

namespace lsedge::fuzz {
namespace {

// A fixed batch of three tasks.
class Batch final : public BodySource {
 public:
  Result<size_t> read(ByteSpan out) override {
    const size_t n = out.size() < kBody.size() - at_ ? out.size() : kBody.size() - at_;
    std::memcpy(out.data(), kBody.data() + at_, n);
    at_ += n;
    return n;
  }
  Outcome rewind() override {
    at_ = 0;
    return {};
  }
  uint64_t size() const override { return kBody.size(); }
  static constexpr std::string_view kBody = R"([{"data":{"i":1}},{"data":{"i":2}},{"data":{}}])";

 private:
  size_t at_ = 0;
};

void check_refusal(ConstByteSpan body, bool truncated, uint64_t tasks) {
  const labelstudio::ImportRefusal refusal =
      labelstudio::parse_import_refusal(body, truncated, tasks);
  LSEDGE_FUZZ_CHECK(refusal.known <= tasks && refusal.refused_count <= refusal.known);
  LSEDGE_FUZZ_CHECK(refusal.known <= labelstudio::kMaxItemVerdicts);
  for (size_t i = 0; i < refusal.known; ++i) {
    const std::string_view message = refusal.verdicts[i].message;
    if (!message.empty()) {
      const char* begin = reinterpret_cast<const char*>(body.data());
      LSEDGE_FUZZ_CHECK(message.data() >= begin &&
                        message.data() + message.size() <= begin + body.size());
    }
  }
}

void run(FuzzedDataProvider& input) {
  const int status = input.ConsumeBool() ? 400 : pick_status(input);
  const uint32_t seed = input.ConsumeIntegral<uint32_t>();
  const uint64_t tasks = input.ConsumeIntegralInRange<uint64_t>(1, 300);
  ApiRig rig(pick_body_limit(input));
  const std::string body = input.ConsumeRemainingBytesAsString();
  rig.legacy();
  rig.answer({http_answer(status, body)}, seed);
  Batch batch;
  const Result<labelstudio::ImportResult> result =
      labelstudio::import_tasks(*rig.client, 3, batch, rig.deadline());
  LSEDGE_FUZZ_CHECK(!result.ok() || status / 100 == 2);
  const http::Response& response = rig.client->last_response();
  check_refusal(response.body, response.truncated, tasks);
  check_refusal(as_bytes(body), false, tasks);
  check_no_secret(rig, result.ok() ? std::string_view() : result.error().detail.view(), body);
  rig.arena->reset();
  const Result<labelstudio::ImportResult> parsed =
      labelstudio::parse_import_result(body, *rig.arena);
  if (parsed.ok()) {
    (void)labelstudio::describe_import(*parsed);
  }
}

}  // namespace
}  // namespace lsedge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  lsedge::fuzz::run(input);
  return 0;
}
