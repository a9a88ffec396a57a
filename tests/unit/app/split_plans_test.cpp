// How `lsedge run` divides an entry: by a 400's item verdicts (refused tasks alone to rejected/
// with their own unescaped messages, good ones again, the rest after a cut list apart), or in
// halves; and which --batch-bytes it suggests after a proxy's 413.
#include "firmware/app/split_plans.h"

#include <gtest/gtest.h>

#include <string>

namespace lsedge::app {
namespace {

using labelstudio::ImportRefusal;
using spool::SplitPlan;

ImportRefusal refusal_of(const std::string& verdicts, bool cut) {
  // One character per known item: 'g' good, 'r' refused (message "bad N \"x\"\\n" escaped).
  static std::string messages[labelstudio::kMaxItemVerdicts];
  ImportRefusal refusal;
  refusal.item_list = true;
  refusal.cut = cut;
  refusal.known = verdicts.size();
  for (size_t i = 0; i < verdicts.size(); ++i) {
    if (verdicts[i] == 'r') {
      messages[i] = "Error at item " + std::to_string(i) + ": \\\"image\\\" key is expected\\u00e9";
      refusal.verdicts[i].refused = true;
      refusal.verdicts[i].message = messages[i];
      ++refusal.refused_count;
    }
  }
  return refusal;
}

std::string parts_of(const SplitPlan& plan, uint64_t tasks) {
  std::string out;
  for (uint64_t i = 0; i < tasks; ++i) {
    const uint32_t part = plan.part_of(i);
    out += part == SplitPlan::kRejectTask ? 'x' : static_cast<char>('0' + part);
  }
  return out;
}

TEST(HalvesPlan, SplitsAtTheMiddle) {
  EXPECT_EQ(parts_of(HalvesPlan(2), 2), "01");
  EXPECT_EQ(parts_of(HalvesPlan(5), 5), "00111");
  EXPECT_EQ(parts_of(HalvesPlan(8), 8), "00001111");
  EXPECT_EQ(HalvesPlan(8).part_count(), 2u);
}

TEST(VerdictPlan, ACompleteListRejectsTheRefusedAndKeepsTheRestInOnePart) {
  const ImportRefusal refusal = refusal_of("grrgg", false);
  const VerdictPlan plan(refusal, 5);
  EXPECT_TRUE(plan.divides());
  EXPECT_EQ(plan.part_count(), 1u);
  EXPECT_EQ(parts_of(plan, 5), "0xx00");
  EXPECT_EQ(plan.refused(), 2u);
  // Each rejected task's own message, unescaped, up to the echo of the item.
  EXPECT_EQ(plan.reason(1), "Error at item 1: \"image\" key is expected\xc3\xa9");
  EXPECT_EQ(plan.reason(2), "Error at item 2: \"image\" key is expected\xc3\xa9");
  EXPECT_EQ(plan.first_reason(), plan.reason(1));
}

TEST(VerdictPlan, AllRefusedLeavesNoPart) {
  const ImportRefusal refusal = refusal_of("rrr", false);
  const VerdictPlan plan(refusal, 3);
  EXPECT_TRUE(plan.divides());
  EXPECT_EQ(parts_of(plan, 3), "xxx");
}

TEST(VerdictPlan, ACutListSettlesTheKnownPrefixAndKeepsTheRestApart) {
  // Label Studio's 100th entry is "...": 99 verdicts for a batch of 150.
  std::string verdicts(99, 'g');
  verdicts[3] = 'r';
  verdicts[98] = 'r';
  const ImportRefusal refusal = refusal_of(verdicts, true);
  const VerdictPlan plan(refusal, 150);
  EXPECT_TRUE(plan.divides());
  EXPECT_EQ(plan.part_count(), 2u);
  const std::string parts = parts_of(plan, 150);
  EXPECT_EQ(parts.substr(0, 5), "000x0");
  EXPECT_EQ(parts[98], 'x');
  EXPECT_EQ(parts.substr(99), std::string(51, '1'));
  // A truncated body whose known prefix is all good still makes progress.
  const ImportRefusal good = refusal_of("gg", true);
  const VerdictPlan prefix(good, 10);
  EXPECT_TRUE(prefix.divides());
  EXPECT_EQ(parts_of(prefix, 10), "0011111111");
}

TEST(VerdictPlan, NoUsableVerdictMeansHalves) {
  EXPECT_FALSE(VerdictPlan(refusal_of("", true), 10).divides());      // cut before the first
  EXPECT_FALSE(VerdictPlan(refusal_of("gggg", false), 4).divides());  // nothing refused
  ImportRefusal whole = refusal_of("rr", false);
  whole.item_list = false;  // a refusal of the whole request
  EXPECT_FALSE(VerdictPlan(whole, 2).divides());
}

TEST(VerdictPlan, MoreVerdictsThanTasksAreIgnored) {
  const ImportRefusal refusal = refusal_of("grrr", false);
  const VerdictPlan plan(refusal, 2);
  EXPECT_EQ(plan.known(), 2u);
  EXPECT_EQ(plan.refused(), 1u);
  EXPECT_EQ(plan.part_count(), 1u);
  EXPECT_EQ(parts_of(plan, 2), "0x");
}

TEST(VerdictPlan, AnUnreadableMessageStillGivesAReason) {
  ImportRefusal refusal = refusal_of("r", false);
  refusal.verdicts[0].message = "broken \\x escape";
  const VerdictPlan plan(refusal, 1);
  EXPECT_NE(plan.reason(0).find("HTTP 400"), std::string_view::npos);
  refusal.verdicts[0].message = {};
  EXPECT_NE(VerdictPlan(refusal, 1).reason(0).find("HTTP 400"), std::string_view::npos);
  // A very long message is cut on a character boundary, never overflowing.
  std::string long_message;
  for (int i = 0; i < 400; ++i) {
    long_message += "\\u00e9";
  }
  refusal.verdicts[0].message = long_message;
  const std::string_view reason = VerdictPlan(refusal, 1).reason(0);
  EXPECT_LE(reason.size(), VerdictPlan::kReasonCapacity);
  EXPECT_EQ(reason.size() % 2, 0u);
}

TEST(SuggestedBatchBytes, TheLargestThatFitOrHalfTheRefused) {
  EXPECT_EQ(suggested_batch_bytes(51200, 102400), 51200u);
  EXPECT_EQ(suggested_batch_bytes(60000, 102400), 60000u);
  EXPECT_EQ(suggested_batch_bytes(748, 81295), 40647u);  // a small part says little
  EXPECT_EQ(suggested_batch_bytes(0, 204800), 102400u);
  EXPECT_EQ(suggested_batch_bytes(300000, 204800), 102400u);  // not a size that fits
  EXPECT_EQ(suggested_batch_bytes(0, 5), 4u);
}

}  // namespace
}  // namespace lsedge::app
