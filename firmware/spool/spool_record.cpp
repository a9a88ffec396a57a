// The consumer's lock and in-flight record (DIR/consumer.lock): sending never needs a new inode
// or byte, because the record is overwritten in place in bytes the file has had since the
// spool was made. See docs/spool.md, "The consumer lock and the in-flight record".
#include <optional>

#include "firmware/spool/spool.h"
#include "firmware/spool/spool_internal.h"

namespace lsedge::spool {

using namespace detail;  // NOLINT(google-build-using-namespace): the room's own helpers

namespace {

constexpr std::string_view kRecordPrefix = "lsedge in-flight ";
constexpr uint8_t kZeros[kRecordBytes] = {};
using SlotLine = FixedString<kRecordSlotBytes>;

// The next space-separated token of `rest` (consumed with its space).
std::string_view take_token(std::string_view& rest) {
  const size_t space = rest.find(' ');
  const std::string_view token = rest.substr(0, space);
  rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  return token;
}

void append_hex32(SlotLine& line, uint32_t value) {
  const char hex[] = "0123456789abcdef";
  for (int shift = 28; shift >= 0; shift -= 4) {
    (void)line.append(hex[(value >> shift) & 0xFu]);
  }
}

const char* state_word(uint8_t state) {
  static const char* const kWords[] = {"none", "sending", "imported"};
  return state < 3 ? kWords[state] : "none";
}

// "lsedge in-flight COUNTER STATE IMPORT_ID AFTER_UNKNOWN GROUP NAME CHECKSUM\n"; "-" for an
// empty group or name.
template <class Record>
void format_slot(const Record& record, SlotLine& line) {
  line.clear();
  (void)line.append(kRecordPrefix);
  (void)line.append_uint(record.counter);
  (void)line.append(' ');
  (void)line.append(state_word(static_cast<uint8_t>(record.state)));
  (void)line.append(' ');
  (void)line.append_int(record.import_id);
  (void)line.append(record.after_unknown ? " 1 " : " 0 ");
  (void)line.append(record.group.empty() ? std::string_view("-") : record.group.view());
  (void)line.append(' ');
  (void)line.append(record.name.empty() ? std::string_view("-") : record.name.view());
  if (!record.last_group.empty()) {  // a batch: its last entry too (issue #13)
    (void)line.append(' ');
    (void)line.append(record.last_group.view());
    (void)line.append(' ');
    (void)line.append(record.last_name.view());
  }
  const uint32_t sum = checksum(line.view());
  (void)line.append(' ');
  append_hex32(line, sum);
  (void)line.append('\n');
}

// A whole slot (its checksum matches) into `out`; false for a torn, empty or foreign one.
template <class Record>
bool parse_slot(std::string_view slot, Record& out) {
  const size_t newline = slot.find('\n');
  if (newline == std::string_view::npos || newline < 10) {
    return false;
  }
  const std::string_view line = slot.substr(0, newline);
  const std::string_view body = line.substr(0, line.size() - 9);
  SlotLine sum;
  append_hex32(sum, checksum(body));
  if (line[line.size() - 9] != ' ' || line.substr(line.size() - 8) != sum.view() ||
      body.substr(0, kRecordPrefix.size()) != kRecordPrefix) {
    return false;
  }
  std::string_view rest = body.substr(kRecordPrefix.size());
  const std::optional<uint64_t> counter = parse_number(take_token(rest));
  const std::string_view state = take_token(rest);
  const std::string_view import_text = take_token(rest);
  const std::optional<uint64_t> import_id = parse_number(import_text);
  const std::string_view unknown = take_token(rest);
  const std::string_view group = take_token(rest);
  const std::string_view name = take_token(rest);
  const std::string_view last_group = take_token(rest);
  const std::string_view last_name = take_token(rest);
  if (!counter || !import_id || *import_id > static_cast<uint64_t>(INT64_MAX) || !rest.empty() ||
      (unknown != "0" && unknown != "1") || last_group.empty() != last_name.empty()) {
    return false;
  }
  Record parsed;
  parsed.counter = *counter;
  parsed.import_id = static_cast<int64_t>(*import_id);
  parsed.after_unknown = unknown == "1";
  using State = decltype(parsed.state);
  if (state == "sending") {
    parsed.state = State::Sending;
  } else if (state == "imported") {
    parsed.state = State::Imported;
  } else if (state != "none") {
    return false;
  }
  if (parsed.state != State::None &&
      (parsed.group.assign(group) != Status::Ok || parsed.name.assign(name) != Status::Ok ||
       parsed.last_group.assign(last_group) != Status::Ok ||
       parsed.last_name.assign(last_name) != Status::Ok)) {
    return false;
  }
  out = parsed;
  return true;
}

}  // namespace

bool Spool::InFlight::covers(std::string_view entry_group, std::string_view entry_name) const {
  if (state == State::None) {
    return false;
  }
  if (!is_range()) {
    return group.view() == entry_group && name.view() == entry_name;
  }
  return !entry_before(entry_group, entry_name, group.view(), name.view()) &&
         !entry_before(last_group.view(), last_name.view(), entry_group, entry_name);
}

bool Spool::InFlight::ends_by(std::string_view entry_group, std::string_view entry_name) const {
  return is_range() ? !entry_before(entry_group, entry_name, last_group.view(), last_name.view())
                    : !entry_before(entry_group, entry_name, group.view(), name.view());
}

Outcome Spool::make_lock_file() {
  Path path;
  LSEDGE_TRY(join(path, dir_.view(), kConsumerLock));
  LSEDGE_TRY_ASSIGN(const bool present, storage_.exists(path.view()));
  if (present) {
    return {};
  }
  Result<hal::FileHandle> created = storage_.create_new(path.view());
  if (created.status() == Status::FileExists) {
    return {};  // another process made it just now
  }
  LSEDGE_TRY_ASSIGN(const hal::FileHandle file, std::move(created));
  const hal::ScopedFile out(storage_, file);
  // Its bytes exist from now on: the record never needs a byte the disk may no longer have.
  Outcome written = storage_.append(out.get(), ConstByteSpan(kZeros, kRecordBytes));
  if (written.ok()) {
    written = storage_.sync(out.get());
  }
  if (!written.ok()) {
    (void)storage_.remove(path.view());
    return at_path(written.error(), path.view());
  }
  return {};
}

Outcome Spool::take_lock() {
  Path path;
  LSEDGE_TRY(join(path, dir_.view(), kConsumerLock));
  LSEDGE_TRY_ASSIGN(const hal::FileHandle lock,
                    storage_.lock_file(path.view(), hal::LockWait::NoWait));
  if (!lock.valid()) {
    Error busy(Status::SpoolBusy, "another lsedge run holds ");
    busy.detail.append_truncated(path.view());
    return busy;
  }
  lock_ = lock;
  // A file an interrupted creation left short gets its bytes now, while the disk has them.
  LSEDGE_TRY_ASSIGN(const uint64_t size, storage_.size(lock_));
  if (size < kRecordBytes) {
    const Outcome grown = storage_.write_at(
        lock_, size, ConstByteSpan(kZeros, static_cast<size_t>(kRecordBytes - size)));
    LSEDGE_TRY(grown.ok() ? storage_.sync(lock_) : grown);
  }
  return {};
}

Outcome Spool::require_consumer() const {
  LSEDGE_TRY(require_open());
  if (!lock_.valid()) {
    return Error(Status::InvalidArgument,
                 "only a spool opened as the consumer (Role::Consumer) sends entries");
  }
  return {};
}

Outcome Spool::load_record() {
  uint8_t bytes[kRecordBytes] = {};
  size_t have = 0;
  while (have < kRecordBytes) {
    LSEDGE_TRY_ASSIGN(const size_t got,
                      storage_.read_at(lock_, have, ByteSpan(bytes + have, kRecordBytes - have)));
    if (got == 0) {
      break;
    }
    have += got;
  }
  record_ = InFlight();
  record_slot_ = kRecordSlots - 1;  // none whole: the first write goes to slot 0
  for (size_t slot = 0; slot < kRecordSlots; ++slot) {
    InFlight parsed;
    const std::string_view text(reinterpret_cast<const char*>(bytes) + slot * kRecordSlotBytes,
                                kRecordSlotBytes);
    if (parse_slot(text, parsed) && parsed.counter >= record_.counter) {
      record_ = parsed;
      record_slot_ = slot;
    }
  }
  if (record_.state != InFlight::State::None) {
    log_.info("in-flight record: %s/%s%s%s%s%s (%s)", record_.group.c_str(), record_.name.c_str(),
              record_.is_range() ? " .. " : "", record_.last_group.c_str(),
              record_.is_range() ? "/" : "", record_.last_name.c_str(),
              state_word(static_cast<uint8_t>(record_.state)));
  }
  return {};
}

Outcome Spool::write_record(const InFlight& record, bool durable) {
  InFlight next = record;
  next.counter = record_.counter + 1;
  const size_t slot = (record_slot_ + 1) % kRecordSlots;
  uint8_t bytes[kRecordSlotBytes] = {};
  SlotLine line;
  format_slot(next, line);
  for (size_t i = 0; i < line.size(); ++i) {
    bytes[i] = static_cast<uint8_t>(line.view()[i]);
  }
  LSEDGE_TRY(storage_.write_at(lock_, slot * kRecordSlotBytes, ConstByteSpan(bytes)));
  if (durable) {
    LSEDGE_TRY(storage_.sync(lock_));
  }
  record_ = next;
  record_slot_ = slot;
  return {};
}

Outcome Spool::record_entry(InFlight::State state, const SpoolEntry& entry, int64_t import_id) {
  InFlight record;
  record.state = state;
  record.import_id = import_id;
  record.after_unknown = entry.outcome_unknown;
  (void)record.group.assign(entry.group.view());
  (void)record.name.assign(entry.name.view());
  return record_range(record);
}

Outcome Spool::record_batch(InFlight::State state, const SpoolBatch& batch, int64_t import_id) {
  const BatchMember& last = batch.members[batch.count - 1];
  InFlight record;
  record.state = state;
  record.import_id = import_id;
  record.after_unknown = batch.head.outcome_unknown;
  (void)record.group.assign(batch.head.group.view());
  (void)record.name.assign(batch.head.name.view());
  (void)append_padded(record.last_group, last.sequence, kSequenceDigits);
  (void)record.last_name.assign(last.name.view());
  return record_range(record);
}

Outcome Spool::record_range(InFlight record) {
  const std::string_view end_group =
      record.is_range() ? record.last_group.view() : record.group.view();
  const std::string_view end_name =
      record.is_range() ? record.last_name.view() : record.name.view();
  if (record_.state != InFlight::State::None &&
      !record_.covers(record.group.view(), record.name.view())) {
    LSEDGE_TRY(displace_record());
  } else if (record_.state != InFlight::State::None && !record_.ends_by(end_group, end_name)) {
    // Entries of an earlier batch are sent again (alone after the batch was refused, or fewer
    // at a time): its later entries stay covered while these are sent; anything else keeps
    // their state beside them.
    if (record.state == InFlight::State::Sending && record_.state == InFlight::State::Sending) {
      record.last_group = record_.last_group;
      record.last_name = record_.last_name;
    } else {
      LSEDGE_TRY(displace_after(end_group, end_name));
    }
  }
  return write_record(record, true);
}

Outcome Spool::clear_record_of(const SpoolEntry& entry, bool durable) {
  // A batch's record goes with its last entry: until then it still covers the entries after.
  if (!record_.covers(entry.group.view(), entry.name.view()) ||
      !record_.ends_by(entry.group.view(), entry.name.view())) {
    return {};
  }
  return write_record(InFlight(), durable);
}

Outcome Spool::clear_record_of_split(std::string_view group, std::string_view split_name) {
  Name entry_name;
  EntryName parsed;
  if (entry_name.assign(split_name.substr(0, split_name.size() - kSplitSuffix.size())) !=
          Status::Ok ||
      entry_name.append(kEntrySuffix) != Status::Ok || !record_.covers(group, entry_name.view()) ||
      !parse_entry(entry_name.view(), parsed)) {
    return {};
  }
  if (record_.ends_by(group, entry_name.view())) {
    return write_record(InFlight(), false);
  }
  // Inside a batch's range (its entries sent alone): the server answered this one, so its parts
  // must not read as outcome-unknown, while the entries after them still do. The range now starts
  // after the parts: "<BATCH>.~" sorts after every "<BATCH>.<FIRST>-..." part of an entry as
  // added and before the next batch; "<BATCH>.<FIRST+TASKS-1>~" after the parts of a part and
  // before its later siblings (FIRST has a fixed width).
  InFlight narrowed = record_;
  narrowed.name.clear();
  (void)append_padded(narrowed.name, parsed.batch, kBatchDigits);
  (void)narrowed.name.append('.');
  if (parsed.part) {
    (void)append_padded(narrowed.name, parsed.first + parsed.tasks - 1, kFirstDigits);
  }
  (void)narrowed.name.append('~');
  return write_record(narrowed, false);
}

template <class Visit>
Outcome Spool::walk_record(std::string_view after_group, std::string_view after_name,
                           Visit&& visit) {
  const std::optional<uint64_t> first = parse_group(record_.group.view());
  const std::string_view last_group =
      record_.is_range() ? record_.last_group.view() : record_.group.view();
  if (record_.state == InFlight::State::None || !first) {
    return {};
  }
  Path queue;
  LSEDGE_TRY(join(queue, dir_.view(), kQueue));
  ListedName groups[kWalkWindow];
  ListedName floor;
  if (*first > 0) {
    Name below;
    (void)append_padded(below, *first - 1, kSequenceDigits);
    (void)floor.assign(below.view());
  }
  for (;;) {
    LSEDGE_TRY_ASSIGN(const uint32_t listed,
                      smallest_names_above(storage_, queue.view(), floor.view(), is_group_dir,
                                           groups, kWalkWindow));
    for (uint32_t g = 0; g < listed; ++g) {
      if (groups[g].view() > last_group) {
        return {};
      }
      LSEDGE_TRY(walk_record_group(queue.view(), groups[g].view(), after_group, after_name, visit));
    }
    if (listed < kWalkWindow) {
      return {};
    }
    floor = groups[listed - 1];
  }
}

template <class Visit>
Outcome Spool::walk_record_group(std::string_view queue, std::string_view group,
                                 std::string_view after_group, std::string_view after_name,
                                 Visit& visit) {
  Path group_path;
  LSEDGE_TRY(join(group_path, queue, group));
  ListedName names[kWalkWindow];
  ListedName after;
  for (uint32_t count = kWalkWindow; count == kWalkWindow;) {
    const Result<uint32_t> entries = smallest_names_above(storage_, group_path.view(), after.view(),
                                                          is_entry_name, names, kWalkWindow);
    if (!entries.ok()) {
      return unless_gone(entries.error());  // removed meanwhile: nothing of it is queued
    }
    count = *entries;
    for (uint32_t e = 0; e < count; ++e) {
      LSEDGE_TRY(visit_if_covered(group_path.view(), group, names[e].view(), after_group,
                                  after_name, visit));
    }
    if (count > 0) {
      after = names[count - 1];
    }
  }
  return {};
}

template <class Visit>
Outcome Spool::visit_if_covered(std::string_view group_path, std::string_view group,
                                std::string_view name, std::string_view after_group,
                                std::string_view after_name, Visit& visit) {
  if (!record_.covers(group, name) ||
      (!after_group.empty() && !entry_before(after_group, after_name, group, name))) {
    return {};
  }
  Path path;
  LSEDGE_TRY(join(path, group_path, name));
  return visit(group, name, path.view());
}

Outcome Spool::displace_after(std::string_view group, std::string_view name) {
  return walk_record(group, name,
                     [this](std::string_view entry_group, std::string_view entry_name,
                            std::string_view) { return displace_entry(entry_group, entry_name); });
}

Outcome Spool::displace_record() {
  if (record_.is_range()) {
    return displace_after({}, {});
  }
  return displace_entry(record_.group.view(), record_.name.view());
}

Result<bool> Spool::is_in_flight(std::string_view group, std::string_view name) {
  LSEDGE_TRY(require_open());
  if (record_.covers(group, name) &&
      (record_.state == InFlight::State::Sending || record_.after_unknown)) {
    return true;
  }
  // An earlier release's marker (or one displace_record() wrote).
  Path group_path;
  LSEDGE_TRY(join(group_path, dir_.view(), kQueue, group));
  Path marker;
  LSEDGE_TRY(join(marker, group_path.view(), name, {}, kMarkerSuffix));
  return storage_.exists(marker.view());
}

Result<uint64_t> Spool::unknown_in_record() {
  if (record_.state == InFlight::State::None ||
      (record_.state == InFlight::State::Imported && !record_.after_unknown)) {
    return uint64_t{0};
  }
  uint64_t unknown = 0;
  LSEDGE_TRY(walk_record(
      {}, {},
      [this, &unknown](std::string_view, std::string_view, std::string_view path) -> Outcome {
        Path marker;
        LSEDGE_TRY(join(marker, path, {}, {}, kMarkerSuffix));
        LSEDGE_TRY_ASSIGN(const bool marked, storage_.exists(marker.view()));
        unknown += marked ? 0u : 1u;  // an old marker is counted by its file
        return {};
      }));
  return unknown;
}

}  // namespace lsedge::spool
