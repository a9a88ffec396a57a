// The project answers through the real Client (legacy key): a listing of up to four pages (the
// input's parts, cut at 0xFE bytes, answered in order: a page's "next" asks for the next one),
// a get, and a create. Any bodies, the first with any status, read through a body buffer of 64
// bytes to 16 KiB (pages cut short are asked for again in smaller pages). Checked: no crash or
// sanitizer report; the listing ends; a listed project has an id; a success needs a 2xx answer.
#include <string>
#include <vector>

#include "firmware/labelstudio/projects.h"
#include "tests/fuzz/api_rig.h"

namespace lsedge::fuzz {
namespace {

class Counter final : public labelstudio::ProjectVisitor {
 public:
  Outcome on_project(const labelstudio::Project& project) override {
    (void)project.title.view();
    ++projects;
    LSEDGE_FUZZ_CHECK(projects < 100000);
    return {};
  }
  size_t projects = 0;
};

std::vector<std::string> answers(const std::string& bodies, int first_status) {
  std::vector<std::string> out;
  size_t at = 0;
  while (out.size() < 4) {
    const size_t cut = bodies.find('\xFE', at);
    const std::string body = bodies.substr(at, cut == std::string::npos ? cut : cut - at);
    out.push_back(http_answer(out.empty() ? first_status : 200, body));
    if (cut == std::string::npos) {
      break;
    }
    at = cut + 1;
  }
  return out;
}

void run(FuzzedDataProvider& input) {
  const uint8_t operation = input.ConsumeIntegralInRange<uint8_t>(0, 2);
  const int status = pick_status(input);
  const uint32_t seed = input.ConsumeIntegral<uint32_t>();
  ApiRig rig(pick_body_limit(input));
  const std::string bodies = input.ConsumeRemainingBytesAsString();
  rig.legacy();
  rig.answer(answers(bodies, status), seed);
  Error error;
  if (operation == 0) {
    Counter counter;
    const Outcome listed = labelstudio::list_projects(*rig.client, counter, rig.deadline());
    LSEDGE_FUZZ_CHECK(!listed.ok() || status / 100 == 2);
    error = listed.ok() ? Error() : listed.error();
  } else if (operation == 1) {
    const Result<labelstudio::Project> project =
        labelstudio::get_project(*rig.client, 7, rig.deadline());
    LSEDGE_FUZZ_CHECK(!project.ok() || status / 100 == 2);
    error = project.ok() ? Error() : project.error();
  } else {
    labelstudio::ProjectSpec spec;
    spec.name = "Fuzz";
    spec.task_id = "0123456789";
    spec.label_config = "<View><Text name=\"t\" value=\"$text\"/></View>";
    const Result<labelstudio::Project> project =
        labelstudio::create_project(*rig.client, spec, rig.deadline());
    LSEDGE_FUZZ_CHECK(!project.ok() || status / 100 == 2);
    error = project.ok() ? Error() : project.error();
  }
  check_no_secret(rig, error.detail.view(), bodies);
}

}  // namespace
}  // namespace lsedge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  lsedge::fuzz::run(input);
  return 0;
}
