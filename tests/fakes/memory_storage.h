// An in-memory hal::Storage with POSIX durability, failure injection and simulated crashes.
//
// Model: a tree of nodes (files and directories). Every node keeps its current state and its
// durable state. A file's data becomes durable with sync(); a directory's entries (creations,
// removals) become durable with sync_directory(). A rename is one atomic metadata operation: it
// becomes durable, on both sides, when either its source or its target directory is synced, and
// syncing a directory also commits every rename made before the last one touching it (as a
// journal would). restart() then throws away what a crash would lose:
//   ProcessKilled  (kill -9): everything written survives; open handles are gone.
//   PowerLost:     only synced data and synced directory entries survive.
//   PowerLostTorn: directory entries as they are (the journal committed them on its own) but
//                  every file keeps only its synced data plus half of what was not synced.
// crash_after(k) lets k more state-changing calls succeed; every call after that fails with EIO
// ("crashed"), as if the process were dead, until restart().
// Statuses follow hal::Storage (FileNotFound, FileExists, DirectoryNotEmpty, NoSpace, else
// FileError) with the errno in Error::code, as LinuxStorage reports them. A directory listing is
// a snapshot taken by open_directory(), handed out in reverse name order.
// Thread-safety: all calls are serialised by one mutex.
#pragma once

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "board_sizes.h"
#include "firmware/core/fixed_string.h"
#include "hal/storage.h"
#include "platform/linux/errno_status.h"

namespace lsedge::testing {

class MemoryStorage final : public hal::Storage {
 public:
  enum class Op : uint8_t {
    ReadFile,
    OpenRead,
    CreateNew,
    ReadAt,
    Append,
    Size,
    Sync,
    Rename,
    Remove,
    MakeDirectory,
    SyncDirectory,
    OpenDirectory,
    NextEntry,
    Exists,
    WriteAt,
    Info,
    LockFile,
    Link,
    kCount_
  };
  enum class Crash : uint8_t { ProcessKilled, PowerLost, PowerLostTorn };

  MemoryStorage() { nodes_[kRoot] = directory_node(); }

  // --- failure injection -------------------------------------------------------------------
  // The nth call of `op` from now (1 = the next one) fails with `err`, once.
  void fail(Op op, uint64_t nth, int err) {
    std::lock_guard<std::mutex> lock(mutex_);
    failures_.push_back({op, calls_[index(op)] + nth, err});
  }
  // Every call of `op` from now on fails with `err` (0 clears).
  void fail_always(Op op, int err) {
    std::lock_guard<std::mutex> lock(mutex_);
    always_[index(op)] = err;
  }
  // Total bytes all reachable files may hold; an append past it fails with ENOSPC and writes
  // nothing. nullopt: unlimited.
  void set_capacity(std::optional<uint64_t> bytes) {
    std::lock_guard<std::mutex> lock(mutex_);
    capacity_ = bytes;
  }
  // How many files and directories (the root not counted) may be reachable at once, like a
  // file system's inodes: create_new() and make_directory() past it fail with ENOSPC.
  void set_inode_limit(std::optional<uint64_t> nodes) {
    std::lock_guard<std::mutex> lock(mutex_);
    inode_limit_ = nodes;
  }
  // The next `k` state-changing calls (create_new, append, sync, rename, remove,
  // make_directory, sync_directory) succeed; then the "process" is dead.
  void crash_after(uint64_t k) {
    std::lock_guard<std::mutex> lock(mutex_);
    crash_at_ = mutations_ + k;
  }
  // True once a call failed because of crash_after.
  [[nodiscard]] bool crashed() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return dead_;
  }
  // Keeps what survives `how`, closes every handle and lifts crash_after.
  void restart(Crash how) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [id, node] : nodes_) {
      (void)id;
      if (node.dir) {
        if (how == Crash::PowerLost) {
          node.entries = node.durable_entries;
        } else {
          node.durable_entries = node.entries;
        }
      } else if (how == Crash::ProcessKilled) {
        node.durable = node.data;
      } else {
        const size_t unsynced = node.data.size() - node.durable.size();
        const size_t keep = how == Crash::PowerLostTorn ? unsynced / 2 : 0;
        node.data.resize(node.durable.size() + keep);
        node.durable = node.data;
      }
    }
    pending_renames_.clear();
    handles_.clear();
    locked_.clear();
    unlocked_.notify_all();
    listings_.clear();
    crash_at_.reset();
    dead_ = false;
  }

  // --- inspection --------------------------------------------------------------------------
  [[nodiscard]] uint64_t calls(Op op) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_[index(op)];
  }
  // State-changing calls so far (the unit of crash_after).
  [[nodiscard]] uint64_t mutations() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return mutations_;
  }
  [[nodiscard]] size_t open_handles() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return handles_.size();
  }
  [[nodiscard]] size_t open_directories() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return listings_.size();
  }
  // Every path (directories end in '/') with the current content of files, sorted.
  [[nodiscard]] std::map<std::string, std::string> snapshot() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::map<std::string, std::string> out;
    collect(kRoot, "", out);
    return out;
  }
  // Test setup: a durable directory (its parent must exist).
  void put_directory(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    int parent = -1;
    std::string name;
    if (!resolve_parent(path, parent, name).ok() || nodes_[parent].entries.count(name) != 0) {
      return;
    }
    const int id = next_node_++;
    nodes_[id] = directory_node();
    nodes_[parent].entries[name] = id;
    nodes_[parent].durable_entries[name] = id;
  }
  // Test setup: writes a durable file (its parent must exist), replacing one of the same name.
  void put_file(const std::string& path, const std::string& content) {
    std::lock_guard<std::mutex> lock(mutex_);
    int parent = -1;
    std::string name;
    if (!resolve_parent(path, parent, name).ok()) {
      return;
    }
    const int id = next_node_++;
    nodes_[id] = Node();
    nodes_[id].data = content;
    nodes_[id].durable = content;
    nodes_[parent].entries[name] = id;
    nodes_[parent].durable_entries[name] = id;
  }
  // Test setup: another process rewrites the file at `path` in place (the same file, so open
  // handles read the new bytes; put_file() replaces it with a new one, as a rename would).
  void overwrite_in_place(const std::string& path, const std::string& content) {
    std::lock_guard<std::mutex> lock(mutex_);
    const Result<int> id = resolve(path);
    if (id.ok()) {
      nodes_[*id].data = content;
      nodes_[*id].durable = content;
    }
  }
  // Test setup: what info() reports for the file or directory at `path` (by default 0600 for
  // files, 0700 for directories, owner 0), and the caller's uid (default 0).
  void set_mode_and_owner(const std::string& path, uint32_t mode, uint32_t owner_uid) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (const std::optional<int> id = lookup(path)) {
      nodes_[*id].mode = mode;
      nodes_[*id].owner_uid = owner_uid;
    }
  }
  void set_caller_uid(uint32_t uid) { caller_uid_ = uid; }
  [[nodiscard]] std::optional<std::string> content(const std::string& path) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::optional<int> id = lookup(path);
    if (!id || nodes_.at(*id).dir) {
      return std::nullopt;
    }
    return nodes_.at(*id).data;
  }

  // --- hal::Storage ------------------------------------------------------------------------
  Result<size_t> read_file(std::string_view path, ByteSpan buffer) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::ReadFile, false, path));
    LSEDGE_TRY_ASSIGN(const int id, resolve(path));
    const Node& node = nodes_[id];
    if (node.dir) {
      return fail_with(EISDIR, path);
    }
    if (node.data.size() > buffer.size()) {
      return Error(Status::BufferTooSmall, path);
    }
    std::memcpy(buffer.data(), node.data.data(), node.data.size());
    return node.data.size();
  }

  Result<hal::FileHandle> open_read(std::string_view path) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::OpenRead, false, path));
    LSEDGE_TRY_ASSIGN(const int id, resolve(path));
    if (nodes_[id].dir) {
      return fail_with(EISDIR, path);
    }
    return new_handle(id, false);
  }

  Result<hal::FileHandle> create_new(std::string_view path) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::CreateNew, true, path));
    int parent = -1;
    std::string name;
    LSEDGE_TRY(resolve_parent(path, parent, name));
    if (nodes_[parent].entries.count(name) != 0) {
      return fail_with(EEXIST, path);
    }
    if (inode_limit_ && usage().nodes >= *inode_limit_) {
      return fail_with(ENOSPC, path);
    }
    const int id = next_node_++;
    nodes_[id] = Node();
    nodes_[parent].entries[name] = id;
    return new_handle(id, true);
  }

  Result<size_t> read_at(hal::FileHandle file, uint64_t offset, ByteSpan buffer) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::ReadAt, false, {}));
    LSEDGE_TRY_ASSIGN(const Handle handle, find(file));
    if (handle.writable && !handle.lock) {
      return handle_error(EBADF, file);
    }
    const std::string& data = nodes_[handle.node].data;
    if (offset >= data.size()) {
      return size_t{0};
    }
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buffer.size(), data.size() - offset));
    std::memcpy(buffer.data(), data.data() + offset, n);
    bytes_read_ += n;
    return n;
  }
  // Bytes read_at() handed out since the storage was made (how often a file was read).
  uint64_t bytes_read() const { return bytes_read_; }

  Outcome append(hal::FileHandle file, ConstByteSpan data) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::Append, true, {}));
    LSEDGE_TRY_ASSIGN(const Handle handle, find(file));
    if (!handle.writable) {
      return handle_error(EBADF, file);
    }
    if (capacity_ && used_bytes() + data.size() > *capacity_) {
      return handle_error(ENOSPC, file);
    }
    nodes_[handle.node].data.append(reinterpret_cast<const char*>(data.data()), data.size());
    return {};
  }

  Result<uint64_t> size(hal::FileHandle file) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::Size, false, {}));
    LSEDGE_TRY_ASSIGN(const Handle handle, find(file));
    return static_cast<uint64_t>(nodes_[handle.node].data.size());
  }

  Outcome sync(hal::FileHandle file) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::Sync, true, {}));
    LSEDGE_TRY_ASSIGN(const Handle handle, find(file));
    Node& node = nodes_[handle.node];
    node.durable = node.data;
    return {};
  }

  void close(hal::FileHandle file) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = handles_.find(file.value);
    if (it != handles_.end() && it->second.lock) {
      locked_.erase(it->second.node);
      unlocked_.notify_all();
    }
    handles_.erase(file.value);
  }

  Outcome write_at(hal::FileHandle file, uint64_t offset, ConstByteSpan data) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::WriteAt, true, {}));
    LSEDGE_TRY_ASSIGN(const Handle handle, find(file));
    if (!handle.lock) {
      return handle_error(EBADF, file);
    }
    std::string& bytes = nodes_[handle.node].data;
    const uint64_t end = offset + data.size();
    if (end > bytes.size() && capacity_ && used_bytes() + (end - bytes.size()) > *capacity_) {
      return handle_error(ENOSPC, file);
    }
    if (end > bytes.size()) {
      bytes.resize(static_cast<size_t>(end));
    }
    std::memcpy(&bytes[static_cast<size_t>(offset)], data.data(), data.size());
    return {};
  }

  Result<hal::FileInfo> info(std::string_view path) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::Info, false, path));
    LSEDGE_TRY_ASSIGN(const int id, resolve(path));
    hal::FileInfo info;
    info.kind = nodes_[id].dir ? hal::FileInfo::Kind::Directory : hal::FileInfo::Kind::Regular;
    info.mode = nodes_[id].mode.value_or(nodes_[id].dir ? 0700u : 0600u);
    info.owner_uid = nodes_[id].owner_uid;
    info.size = nodes_[id].data.size();
    return info;
  }

  uint32_t caller_uid() override { return caller_uid_; }

  // NoWait on a file another handle locks: an invalid handle. Wait blocks until that handle is
  // closed (or a restart() drops it), as flock(2) does: lock from one thread twice and it hangs.
  Result<hal::FileHandle> lock_file(std::string_view path, hal::LockWait wait) override {
    std::unique_lock<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::LockFile, false, path));
    LSEDGE_TRY_ASSIGN(const int id, resolve(path));
    if (nodes_[id].dir) {
      return fail_with(EISDIR, path);
    }
    if (wait == hal::LockWait::Wait) {
      unlocked_.wait(lock, [&] { return locked_.count(id) == 0; });
    }
    if (locked_.count(id) != 0) {
      return hal::FileHandle{};
    }
    locked_.insert(id);
    const int value = next_handle_++;
    handles_[value] = Handle{id, true, true};
    return hal::FileHandle{value};
  }

  // A second directory entry for the same node, as a hard link is: it shares the data and its
  // durability; the new name is durable after sync_directory(). set_links(false) simulates
  // another file system (EXDEV).
  Outcome link(std::string_view from, std::string_view to) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::Link, true, to));
    LSEDGE_TRY_ASSIGN(const int id, resolve(from));
    if (nodes_[id].dir) {
      return fail_with(EPERM, from);
    }
    int parent = -1;
    std::string name;
    LSEDGE_TRY(resolve_parent(to, parent, name));
    if (nodes_[parent].entries.count(name) != 0) {
      return fail_with(EEXIST, to);
    }
    if (!links_) {
      return fail_with(EXDEV, to);
    }
    nodes_[parent].entries[name] = id;
    return {};
  }
  void set_links(bool allowed) {
    std::lock_guard<std::mutex> lock(mutex_);
    links_ = allowed;
  }

  Outcome rename(std::string_view from, std::string_view to) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::Rename, true, from));
    int from_dir = -1;
    int to_dir = -1;
    std::string from_name;
    std::string to_name;
    LSEDGE_TRY(resolve_parent(from, from_dir, from_name));
    LSEDGE_TRY(resolve_parent(to, to_dir, to_name));
    auto source = nodes_[from_dir].entries.find(from_name);
    if (source == nodes_[from_dir].entries.end()) {
      return fail_with(ENOENT, from);
    }
    const int moving = source->second;
    auto target = nodes_[to_dir].entries.find(to_name);
    if (target != nodes_[to_dir].entries.end()) {
      if (target->second == moving) {
        return {};  // the same file: nothing to do
      }
      const Node& existing = nodes_[target->second];
      if (nodes_[moving].dir && !existing.dir) {
        return fail_with(ENOTDIR, to);
      }
      if (!nodes_[moving].dir && existing.dir) {
        return fail_with(EISDIR, to);
      }
      if (existing.dir && !existing.entries.empty()) {
        return fail_with(ENOTEMPTY, to);
      }
    }
    if (nodes_[moving].dir && is_within(to_dir, moving)) {
      return fail_with(EINVAL, to);
    }
    nodes_[from_dir].entries.erase(from_name);
    nodes_[to_dir].entries[to_name] = moving;
    pending_renames_.push_back({from_dir, from_name, to_dir, to_name, moving});
    return {};
  }

  Outcome remove(std::string_view path) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::Remove, true, path));
    int parent = -1;
    std::string name;
    LSEDGE_TRY(resolve_parent(path, parent, name));
    auto entry = nodes_[parent].entries.find(name);
    if (entry == nodes_[parent].entries.end()) {
      return fail_with(ENOENT, path);
    }
    const Node& node = nodes_[entry->second];
    if (node.dir && !node.entries.empty()) {
      return fail_with(ENOTEMPTY, path);
    }
    nodes_[parent].entries.erase(entry);
    return {};
  }

  Outcome make_directory(std::string_view path) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::MakeDirectory, true, path));
    int parent = -1;
    std::string name;
    LSEDGE_TRY(resolve_parent(path, parent, name));
    auto entry = nodes_[parent].entries.find(name);
    if (entry != nodes_[parent].entries.end()) {
      if (nodes_[entry->second].dir) {
        return {};
      }
      return fail_with(EEXIST, path);
    }
    if (inode_limit_ && usage().nodes >= *inode_limit_) {
      return fail_with(ENOSPC, path);
    }
    const int id = next_node_++;
    nodes_[id] = directory_node();
    nodes_[parent].entries[name] = id;
    return {};
  }

  Outcome sync_directory(std::string_view directory) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::SyncDirectory, true, directory));
    LSEDGE_TRY_ASSIGN(const int id, resolve(directory));
    if (!nodes_[id].dir) {
      return fail_with(ENOTDIR, directory);
    }
    // Commit renames in order up to the last one that touches this directory.
    size_t last = 0;
    for (size_t i = 0; i < pending_renames_.size(); ++i) {
      if (pending_renames_[i].from_dir == id || pending_renames_[i].to_dir == id) {
        last = i + 1;
      }
    }
    for (size_t i = 0; i < last; ++i) {
      const PendingRename& r = pending_renames_[i];
      auto& from_entries = nodes_[r.from_dir].durable_entries;
      auto old = from_entries.find(r.from_name);
      if (old != from_entries.end() && old->second == r.node) {
        from_entries.erase(old);
      }
      nodes_[r.to_dir].durable_entries[r.to_name] = r.node;
    }
    pending_renames_.erase(pending_renames_.begin(),
                           pending_renames_.begin() + static_cast<long>(last));
    nodes_[id].durable_entries = nodes_[id].entries;
    return {};
  }

  Result<hal::DirectoryHandle> open_directory(std::string_view directory) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::OpenDirectory, false, directory));
    LSEDGE_TRY_ASSIGN(const int id, resolve(directory));
    if (!nodes_[id].dir) {
      return fail_with(ENOTDIR, directory);
    }
    Listing listing;
    for (const auto& [name, child] : nodes_[id].entries) {
      listing.entries.emplace_back(name, nodes_[child].dir);
    }
    // Real directories come back in no particular order; reversed, so no caller can rely on it.
    std::reverse(listing.entries.begin(), listing.entries.end());
    const int value = next_handle_++;
    listings_[value] = std::move(listing);
    return hal::DirectoryHandle{value};
  }

  Result<bool> next_entry(hal::DirectoryHandle directory, hal::DirectoryEntry& entry) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::NextEntry, false, {}));
    auto it = listings_.find(directory.value);
    if (!directory.valid() || it == listings_.end()) {
      return Error(Status::InvalidArgument, "invalid directory handle");
    }
    Listing& listing = it->second;
    if (listing.at == listing.entries.size()) {
      return false;
    }
    const auto& [name, is_directory] = listing.entries[listing.at++];
    if (entry.name.assign(name) != Status::Ok) {
      return Error(Status::BufferTooSmall, name);
    }
    entry.is_directory = is_directory;
    return true;
  }

  void close_directory(hal::DirectoryHandle directory) override {
    std::lock_guard<std::mutex> lock(mutex_);
    listings_.erase(directory.value);
  }

  Result<bool> exists(std::string_view path) override {
    std::lock_guard<std::mutex> lock(mutex_);
    LSEDGE_TRY(enter(Op::Exists, false, path));
    Result<int> id = resolve(path);
    if (id.ok()) {
      return true;
    }
    if (id.status() == Status::FileNotFound || id.status() == Status::NotADirectory) {
      return false;
    }
    return id.error();
  }

 private:
  std::atomic<uint32_t> caller_uid_{0};
  static constexpr int kRoot = 0;
  struct Node {
    bool dir = false;
    std::string data, durable;                            // files
    std::map<std::string, int> entries, durable_entries;  // directories
    std::optional<uint32_t> mode;                         // set_mode_and_owner()
    uint32_t owner_uid = 0;
  };
  static Node directory_node() {
    Node node;
    node.dir = true;
    return node;
  }
  struct Handle {
    int node;
    bool writable;
    bool lock = false;  // from lock_file(): reads (read_at) and overwrites (write_at)
  };
  struct Listing {
    std::vector<std::pair<std::string, bool>> entries;  // name, is_directory
    size_t at = 0;
  };
  struct PendingRename {
    int from_dir;
    std::string from_name;
    int to_dir;
    std::string to_name;
    int node;
  };
  struct Failure {
    Op op;
    uint64_t at_call;
    int err;
  };

  static size_t index(Op op) { return static_cast<size_t>(op); }

  static Error fail_with(int err, std::string_view what) {
    // The status LinuxStorage reports for `err`: the platform's one errno table.
    Error error(platform::status_from_errno(err, platform::ErrnoContext::File));
    if (error.status == Status::NoSpace) {
      error.detail.append_truncated("disk full: ");
    }
    error.detail.append_truncated(what);
    error.with_code(err);
    return error;
  }
  static Error handle_error(int err, hal::FileHandle file) {
    return fail_with(err, "file handle " + std::to_string(file.value));
  }

  // Counts the call and applies crash and failure injection.
  Outcome enter(Op op, bool mutating, std::string_view what) {
    const uint64_t call = ++calls_[index(op)];
    if (dead_) {
      return fail_with(EIO, "crashed (simulated)");
    }
    if (mutating && crash_at_ && mutations_ >= *crash_at_) {
      dead_ = true;
      return fail_with(EIO, "crashed (simulated)");
    }
    if (!what.empty() && what.find('\0') != std::string_view::npos) {
      return Error(Status::InvalidArgument, "file path is empty or contains a NUL byte");
    }
    for (auto it = failures_.begin(); it != failures_.end(); ++it) {
      if (it->op == op && it->at_call == call) {
        const int err = it->err;
        failures_.erase(it);
        return fail_with(err, what.empty() ? std::string_view("file handle") : what);
      }
    }
    if (always_[index(op)] != 0) {
      return fail_with(always_[index(op)], what.empty() ? std::string_view("file handle") : what);
    }
    if (mutating) {
      ++mutations_;
    }
    return {};
  }

  static Outcome split(std::string_view path, std::vector<std::string>& parts) {
    if (path.empty() || path.size() > LSEDGE_PATH_CAPACITY) {
      return Error(Status::InvalidArgument, "file path is empty or too long");
    }
    size_t at = 0;
    while (at <= path.size()) {
      const size_t slash = std::min(path.find('/', at), path.size());
      const std::string_view part = path.substr(at, slash - at);
      if (!part.empty() && part != ".") {
        parts.emplace_back(part);
      }
      at = slash + 1;
    }
    return {};
  }

  Result<int> walk(const std::vector<std::string>& parts, size_t count, std::string_view path) {
    int at = kRoot;
    for (size_t i = 0; i < count; ++i) {
      const Node& node = nodes_[at];
      if (!node.dir) {
        return fail_with(ENOTDIR, path);
      }
      auto it = node.entries.find(parts[i]);
      if (it == node.entries.end()) {
        return fail_with(ENOENT, path);
      }
      at = it->second;
    }
    return at;
  }

  Result<int> resolve(std::string_view path) {
    std::vector<std::string> parts;
    LSEDGE_TRY(split(path, parts));
    return walk(parts, parts.size(), path);
  }

  Outcome resolve_parent(std::string_view path, int& parent, std::string& name) {
    std::vector<std::string> parts;
    LSEDGE_TRY(split(path, parts));
    if (parts.empty()) {
      return fail_with(EBUSY, path);  // the root itself
    }
    LSEDGE_TRY_ASSIGN(const int dir, walk(parts, parts.size() - 1, path));
    if (!nodes_[dir].dir) {
      return fail_with(ENOTDIR, path);
    }
    parent = dir;
    name = parts.back();
    return {};
  }

  std::optional<int> lookup(const std::string& path) const {
    return const_cast<MemoryStorage*>(this)->lookup_mutable(path);
  }
  std::optional<int> lookup_mutable(const std::string& path) {
    Result<int> id = resolve(path);
    if (!id.ok()) {
      return std::nullopt;
    }
    return *id;
  }

  Result<hal::FileHandle> new_handle(int node, bool writable) {
    const int value = next_handle_++;
    handles_[value] = Handle{node, writable};
    return hal::FileHandle{value};
  }

  Result<Handle> find(hal::FileHandle file) {
    auto it = handles_.find(file.value);
    if (!file.valid() || it == handles_.end()) {
      return Error(Status::InvalidArgument, "invalid file handle");
    }
    return it->second;
  }

  // Is `dir` equal to or below `ancestor`?
  bool is_within(int dir, int ancestor) const {
    std::vector<int> stack{ancestor};
    while (!stack.empty()) {
      const int at = stack.back();
      stack.pop_back();
      if (at == dir) {
        return true;
      }
      for (const auto& [name, child] : nodes_.at(at).entries) {
        (void)name;
        if (nodes_.at(child).dir) {
          stack.push_back(child);
        }
      }
    }
    return false;
  }

  // Bytes of files reachable now, plus files still open after removal.
  uint64_t used_bytes() const { return usage().bytes; }
  struct Usage {
    uint64_t bytes = 0;
    uint64_t nodes = 0;  // the root not counted
  };
  Usage usage() const {
    std::set<int> seen;
    std::vector<int> stack{kRoot};
    for (const auto& [value, handle] : handles_) {
      (void)value;
      stack.push_back(handle.node);
    }
    Usage total;
    while (!stack.empty()) {
      const int at = stack.back();
      stack.pop_back();
      if (!seen.insert(at).second) {
        continue;
      }
      const Node& node = nodes_.at(at);
      total.bytes += node.data.size();
      total.nodes += at == kRoot ? 0 : 1;
      for (const auto& [name, child] : node.entries) {
        (void)name;
        stack.push_back(child);
      }
    }
    return total;
  }

  void collect(int at, const std::string& prefix, std::map<std::string, std::string>& out) const {
    for (const auto& [name, child] : nodes_.at(at).entries) {
      const Node& node = nodes_.at(child);
      if (node.dir) {
        out[prefix + "/" + name + "/"] = "";
        collect(child, prefix + "/" + name, out);
      } else {
        out[prefix + "/" + name] = node.data;
      }
    }
  }

  mutable std::mutex mutex_;
  uint64_t bytes_read_ = 0;
  std::map<int, Node> nodes_;
  std::map<int, Handle> handles_;
  std::set<int> locked_;              // nodes a lock_file() handle holds
  std::condition_variable unlocked_;  // a lock was released (lock_file with LockWait::Wait)
  std::map<int, Listing> listings_;
  std::vector<PendingRename> pending_renames_;
  bool links_ = true;
  std::vector<Failure> failures_;
  uint64_t calls_[static_cast<size_t>(Op::kCount_)] = {};
  int always_[static_cast<size_t>(Op::kCount_)] = {};
  std::optional<uint64_t> capacity_;
  std::optional<uint64_t> inode_limit_;
  std::optional<uint64_t> crash_at_;
  bool dead_ = false;
  uint64_t mutations_ = 0;
  int next_node_ = 1;
  int next_handle_ = 3;
};

}  // namespace lsedge::testing
