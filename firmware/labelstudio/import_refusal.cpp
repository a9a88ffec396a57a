#include "firmware/labelstudio/import_refusal.h"

#include "firmware/json/prefix_scan.h"

namespace lsedge::labelstudio {
namespace {

using json::PrefixScanner;
using Kind = PrefixScanner::Kind;

// Label Studio's tasks/validation.py builds the list: one entry per item, `{}` when the item
// passed, format_error's text when it failed:
//   'Error {code} at item {i}: {detail} :: {item}'   (one error; {code} is empty for "invalid")
//   'Errors {codes} at item {i}: {a}, {b} :: {item}'  (several)
// and once the list holds 100 entries with an error among them it overwrites entry 99 with
// "..." and stops. Entry 99 then has no verdict; the entries after it (the list can be longer
// than 100 when the error that ended it came later) are not kept here, so the verdicts stay a
// prefix of the batch.
constexpr std::string_view kSeparator = " :: ";
constexpr std::string_view kEllipsis = "...";
constexpr size_t kEllipsisIndex = 99;

enum class EntryForm : uint8_t { Refused, Ellipsis, Foreign };

// The decimal number at text[at, ...) followed by ':' equals `index`.
bool index_matches(std::string_view text, size_t at, size_t index) {
  size_t value = 0;
  size_t digits = 0;
  while (at < text.size() && text[at] >= '0' && text[at] <= '9' && digits < 10) {
    value = value * 10 + static_cast<size_t>(text[at] - '0');
    ++at;
    ++digits;
  }
  return digits != 0 && at < text.size() && text[at] == ':' && value == index;
}

// The message of a failed item: the raw text up to " :: " (where the echo of the item begins),
// without the trailing spaces Label Studio leaves before it.
std::string_view message_of(std::string_view raw) {
  std::string_view message = raw.substr(0, raw.find(kSeparator));
  while (!message.empty() && message.back() == ' ') {
    message.remove_suffix(1);
  }
  return message;
}

// Whether a string entry at `index` is format_error's text for that very item.
EntryForm classify(std::string_view raw, size_t index) {
  if (raw == kEllipsis) {
    return index == kEllipsisIndex ? EntryForm::Ellipsis : EntryForm::Foreign;
  }
  constexpr std::string_view kAtItem = " at item ";
  const std::string_view message = raw.substr(0, raw.find(kSeparator));
  if (message.substr(0, 5) != "Error") {
    return EntryForm::Foreign;
  }
  const size_t at = message.find(kAtItem);
  if (at == std::string_view::npos || !index_matches(message, at + kAtItem.size(), index)) {
    return EntryForm::Foreign;
  }
  return EntryForm::Refused;
}

// Reads the entries of the non_field_errors list one by one.
class ListReader {
 public:
  ListReader(std::string_view list, bool truncated, uint64_t batch_tasks, ImportRefusal& out)
      : list_(list), scanner_(list), truncated_(truncated), batch_(batch_tasks), out_(out) {}

  // False: not an item list (or not one that can be trusted).
  bool read() {
    if (scanner_.next().kind != Kind::ArrayBegin) {
      return false;
    }
    for (size_t index = 0;; ++index) {
      const PrefixScanner::Token token = scanner_.next();
      if (token.kind == Kind::ArrayEnd) {
        return saw_refusal_;  // Label Studio sends the list only when an item failed
      }
      if (token.kind == Kind::Cut) {
        return truncated_ && partial_entry(index);
      }
      if (index >= batch_ || index >= kMaxItemVerdicts) {
        return false;  // more entries than tasks, or than Label Studio ever sends whole
      }
      const Step step = entry(token, index);
      if (step != Step::Next) {
        return step == Step::Done;
      }
    }
  }

 private:
  enum class Step : uint8_t { Next, Done, Foreign };

  Step entry(const PrefixScanner::Token& token, size_t index) {
    if (token.kind == Kind::ObjectBegin) {
      const Kind closing = scanner_.next().kind;
      if (closing == Kind::Cut) {
        return truncated_ ? Step::Done : Step::Foreign;  // a `{` cut short: no verdict
      }
      if (closing != Kind::ObjectEnd) {
        return Step::Foreign;
      }
      record(index, ItemVerdict{});
      return Step::Next;
    }
    if (token.kind != Kind::String) {
      return Step::Foreign;
    }
    switch (classify(token.text, index)) {
      case EntryForm::Refused:
        record(index, ItemVerdict{true, message_of(token.text)});
        return Step::Next;
      case EntryForm::Ellipsis:
        saw_refusal_ = true;  // "..." replaces an error: the list was ended by one
        return Step::Done;
      case EntryForm::Foreign:
        break;
    }
    return Step::Foreign;
  }

  // The text ends inside entry `index`: a string whose message is already whole (" :: " seen)
  // still gives its verdict.
  bool partial_entry(size_t index) {
    std::string_view rest = list_.substr(scanner_.position());
    if (rest.empty() || rest.front() != '"') {
      return true;  // cut before the entry or inside a `{`: no verdict
    }
    rest.remove_prefix(1);
    if (rest.find(kSeparator) == std::string_view::npos) {
      return true;  // the message itself is cut: unknown
    }
    if (index >= batch_ || index >= kMaxItemVerdicts ||
        classify(rest, index) != EntryForm::Refused) {
      return false;
    }
    record(index, ItemVerdict{true, message_of(rest)});
    return true;
  }

  void record(size_t index, ItemVerdict verdict) {
    out_.verdicts[index] = verdict;
    out_.known = index + 1;
    if (verdict.refused) {
      ++out_.refused_count;
      saw_refusal_ = true;
    }
  }

  std::string_view list_;
  PrefixScanner scanner_;
  bool truncated_;
  uint64_t batch_;
  ImportRefusal& out_;
  bool saw_refusal_ = false;
};

}  // namespace

ImportRefusal parse_import_refusal(ConstByteSpan body, bool truncated, uint64_t batch_tasks) {
  ImportRefusal refusal;
  const std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
  const json::PrefixMember errors = json::find_top_member(text, "validation_errors");
  if (errors.kind != Kind::ObjectBegin) {
    return refusal;
  }
  const json::PrefixMember list = json::find_top_member(errors.text, "non_field_errors");
  if (list.kind != Kind::ArrayBegin) {
    return refusal;
  }
  ImportRefusal read;
  if (!ListReader(list.text, truncated, batch_tasks, read).read()) {
    return refusal;  // nothing from a list that is not Label Studio's item list
  }
  read.item_list = true;
  read.cut = read.known < batch_tasks;
  return read;
}

}  // namespace lsedge::labelstudio
