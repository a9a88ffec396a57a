// How `lsedge run` divides a spool entry the server refused in part: by the verdicts of a 400's
// item list, or in halves (a cut list, a proxy's 413). Used with spool::Spool::split().
#pragma once

#include <cstdint>
#include <string_view>

#include "firmware/core/fixed_string.h"
#include "firmware/labelstudio/import_refusal.h"
#include "firmware/spool/spool.h"

namespace lsedge::app {

// Tasks [0, tasks/2) in the first part, the rest in the second. Thread-safety: a value type.
class HalvesPlan final : public spool::SplitPlan {
 public:
  explicit HalvesPlan(uint64_t tasks) : half_(tasks / 2) {}
  [[nodiscard]] uint32_t part_count() const override { return 2; }
  [[nodiscard]] uint32_t part_of(uint64_t index) const override { return index < half_ ? 0 : 1; }
  [[nodiscard]] std::string_view reason(uint64_t) const override { return {}; }

 private:
  uint64_t half_;
};

// The verdicts of a refused import (400): each refused task goes to rejected/ with its own
// message; the good ones of the known prefix form the first part (sent again; Label Studio
// checks each item alone, so they pass); the tasks after the known prefix, when the list was cut
// (100 items, or a truncated body), form the second part, which gets its own verdicts.
// Thread-safety: one thread; views into the refusal (and so the response body), which must
// outlive it.
class VerdictPlan final : public spool::SplitPlan {
 public:
  // A reason file's message (the server's text up to the echo of the item).
  static constexpr size_t kReasonCapacity = 512;

  VerdictPlan(const labelstudio::ImportRefusal& refusal, uint64_t tasks);
  // Whether the verdicts divide the entry: some verdict is known, and it is not "every task
  // good and no rest" (a 400 that lists no refused item says nothing about the tasks). Else
  // the caller splits in halves.
  [[nodiscard]] bool divides() const;
  [[nodiscard]] uint64_t known() const { return known_; }
  [[nodiscard]] uint64_t refused() const;
  // The first refused task's message (for the report), unescaped; empty when there is none.
  [[nodiscard]] std::string_view first_reason() const;

  [[nodiscard]] uint32_t part_count() const override { return known_ < tasks_ ? 2 : 1; }
  [[nodiscard]] uint32_t part_of(uint64_t index) const override;
  [[nodiscard]] std::string_view reason(uint64_t index) const override;

 private:
  const labelstudio::ImportRefusal& refusal_;
  uint64_t tasks_;
  uint64_t known_;
  mutable FixedString<kReasonCapacity> reason_;  // the last reason() (valid until the next)
};

// The --batch-bytes to suggest after a proxy refused a body of `refused_bytes` (413): the
// largest entry that went through when it is smaller than the refused size and more than half
// of it (small entries say little about the limit), else half the refused size; never below the
// flag's minimum (4). Thread-safety: pure function.
[[nodiscard]] uint64_t suggested_batch_bytes(uint64_t largest_sent_bytes, uint64_t refused_bytes);

}  // namespace lsedge::app
