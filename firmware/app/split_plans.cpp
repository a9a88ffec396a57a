#include "firmware/app/split_plans.h"

#include "firmware/json/prefix_scan.h"

namespace lsedge::app {
namespace {

constexpr std::string_view kNoMessage =
    "the server refused this task (HTTP 400) without a readable message";
constexpr uint64_t kMinBatchBytes = 4;  // --batch-bytes' lower bound

}  // namespace

VerdictPlan::VerdictPlan(const labelstudio::ImportRefusal& refusal, uint64_t tasks)
    : refusal_(refusal), tasks_(tasks) {
  uint64_t known = refusal.item_list ? refusal.known : 0;
  if (known > labelstudio::kMaxItemVerdicts) {
    known = labelstudio::kMaxItemVerdicts;
  }
  known_ = known < tasks ? known : tasks;
}

uint64_t VerdictPlan::refused() const {
  uint64_t count = 0;
  for (uint64_t i = 0; i < known_; ++i) {
    count += refusal_.verdicts[i].refused ? 1 : 0;
  }
  return count;
}

bool VerdictPlan::divides() const {
  return known_ > 0 && (refused() > 0 || known_ < tasks_);
}

uint32_t VerdictPlan::part_of(uint64_t index) const {
  if (index >= known_) {
    return 1;
  }
  return refusal_.verdicts[index].refused ? kRejectTask : 0;
}

std::string_view VerdictPlan::reason(uint64_t index) const {
  reason_.clear();
  if (index < known_ && !refusal_.verdicts[index].message.empty() &&
      json::append_unescaped(refusal_.verdicts[index].message, reason_) && !reason_.empty()) {
    return reason_.view();
  }
  reason_.clear();
  reason_.append_truncated(kNoMessage);
  return reason_.view();
}

std::string_view VerdictPlan::first_reason() const {
  for (uint64_t i = 0; i < known_; ++i) {
    if (refusal_.verdicts[i].refused) {
      return reason(i);
    }
  }
  return {};
}

uint64_t suggested_batch_bytes(uint64_t largest_sent_bytes, uint64_t refused_bytes) {
  // The limit lies between the largest body that went through and the smallest refused one.
  uint64_t bytes = refused_bytes / 2;
  if (largest_sent_bytes < refused_bytes && largest_sent_bytes > bytes) {
    bytes = largest_sent_bytes;
  }
  return bytes < kMinBatchBytes ? kMinBatchBytes : bytes;
}

}  // namespace lsedge::app
