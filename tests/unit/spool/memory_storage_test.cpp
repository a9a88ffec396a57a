// The crash model of the MemoryStorage fake: the spool's crash tests are only as good as it is.
#include "tests/fakes/memory_storage.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

namespace lsedge::testing {
namespace {

using Crash = MemoryStorage::Crash;
using Op = MemoryStorage::Op;

void write(MemoryStorage& storage, const std::string& path, const std::string& data, bool sync) {
  auto file = storage.create_new(path);
  ASSERT_TRUE(file.ok()) << path;
  ASSERT_TRUE(storage.append(*file, as_bytes(data)).ok());
  if (sync) {
    ASSERT_TRUE(storage.sync(*file).ok());
  }
  storage.close(*file);
}

TEST(MemoryStorage, PowerLossKeepsOnlySyncedDataAndSyncedEntries) {
  MemoryStorage storage;
  storage.put_directory("/d");
  write(storage, "/d/synced", "kept", true);
  write(storage, "/d/unsynced", "lost", false);
  ASSERT_TRUE(storage.sync_directory("/d").ok());
  write(storage, "/d/late", "entry not synced", true);
  storage.restart(Crash::PowerLost);
  EXPECT_EQ(storage.content("/d/synced"), "kept");
  EXPECT_EQ(storage.content("/d/unsynced"), "") << "the entry survived, the data did not";
  EXPECT_FALSE(storage.content("/d/late").has_value()) << "its directory was never synced";
}

TEST(MemoryStorage, AKilledProcessLosesNothingWritten) {
  MemoryStorage storage;
  storage.put_directory("/d");
  write(storage, "/d/f", "page cache", false);
  storage.restart(Crash::ProcessKilled);
  EXPECT_EQ(storage.content("/d/f"), "page cache");
  EXPECT_EQ(storage.open_handles(), 0u);
}

TEST(MemoryStorage, TornPowerLossKeepsHalfOfTheUnsyncedTail) {
  MemoryStorage storage;
  storage.put_directory("/d");
  auto file = storage.create_new("/d/f");
  ASSERT_TRUE(storage.append(*file, as_bytes("0123")).ok());
  ASSERT_TRUE(storage.sync(*file).ok());
  ASSERT_TRUE(storage.append(*file, as_bytes("456789")).ok());
  storage.restart(Crash::PowerLostTorn);
  EXPECT_EQ(storage.content("/d/f"), "0123456");
}

TEST(MemoryStorage, RemovalsNeedADirectorySyncToLast) {
  MemoryStorage storage;
  storage.put_directory("/d");
  storage.put_file("/d/f", "x");
  ASSERT_TRUE(storage.remove("/d/f").ok());
  storage.restart(Crash::PowerLost);
  EXPECT_EQ(storage.content("/d/f"), "x") << "came back";
  ASSERT_TRUE(storage.remove("/d/f").ok());
  ASSERT_TRUE(storage.sync_directory("/d").ok());
  storage.restart(Crash::PowerLost);
  EXPECT_FALSE(storage.content("/d/f").has_value());
}

TEST(MemoryStorage, ARenameIsAtomicAndDurableWhenEitherSideIsSynced) {
  for (const std::string synced : {"/a", "/b"}) {
    MemoryStorage storage;
    storage.put_directory("/a");
    storage.put_directory("/b");
    storage.put_directory("/a/group");
    storage.put_file("/a/group/f", "data");
    ASSERT_TRUE(storage.rename("/a/group", "/b/group").ok());
    storage.restart(Crash::PowerLost);
    EXPECT_TRUE(storage.content("/a/group/f").has_value()) << "not synced: still at the source";
    EXPECT_FALSE(storage.content("/b/group/f").has_value());

    ASSERT_TRUE(storage.rename("/a/group", "/b/group").ok());
    ASSERT_TRUE(storage.sync_directory(synced).ok());
    storage.restart(Crash::PowerLost);
    EXPECT_FALSE(storage.content("/a/group/f").has_value()) << "never in two places";
    EXPECT_EQ(storage.content("/b/group/f"), "data");
  }
}

TEST(MemoryStorage, RenameFollowsPosix) {
  MemoryStorage storage;
  storage.put_directory("/d");
  storage.put_directory("/d/full");
  storage.put_file("/d/full/x", "");
  storage.put_directory("/d/empty");
  storage.put_directory("/d/src");
  storage.put_file("/d/src/y", "y");
  storage.put_file("/d/file", "f");
  EXPECT_EQ(storage.rename("/d/src", "/d/full").error().code, ENOTEMPTY);
  EXPECT_EQ(storage.rename("/d/src", "/d/file").error().code, ENOTDIR);
  EXPECT_EQ(storage.rename("/d/file", "/d/empty").error().code, EISDIR);
  EXPECT_EQ(storage.rename("/d/src", "/d/src/inner").error().code, EINVAL);
  EXPECT_EQ(storage.rename("/d/none", "/d/z").error().code, ENOENT);
  EXPECT_TRUE(storage.rename("/d/src", "/d/empty").ok()) << "an empty directory is replaced";
  EXPECT_EQ(storage.content("/d/empty/y"), "y");
  storage.put_file("/d/other", "o");
  EXPECT_TRUE(storage.rename("/d/other", "/d/file").ok()) << "a file is replaced";
  EXPECT_EQ(storage.content("/d/file"), "o");
}

TEST(MemoryStorage, CrashAfterKStateChangesFailsEverythingAfter) {
  MemoryStorage storage;
  storage.put_directory("/d");
  storage.crash_after(2);
  EXPECT_TRUE(storage.make_directory("/d/one").ok());
  EXPECT_TRUE(storage.make_directory("/d/two").ok());
  EXPECT_FALSE(storage.crashed());
  EXPECT_EQ(storage.make_directory("/d/three").error().code, EIO);
  EXPECT_TRUE(storage.crashed());
  EXPECT_FALSE(storage.exists("/d").ok()) << "a dead process reads nothing either";
  storage.restart(Crash::ProcessKilled);
  EXPECT_TRUE(*storage.exists("/d/two"));
  EXPECT_FALSE(*storage.exists("/d/three"));
}

TEST(MemoryStorage, InjectedFailuresAndCapacity) {
  MemoryStorage storage;
  storage.put_directory("/d");
  storage.fail(Op::Append, 2, ENOSPC);
  auto file = storage.create_new("/d/f");
  ASSERT_TRUE(storage.append(*file, as_bytes("a")).ok());
  const auto full = storage.append(*file, as_bytes("b"));
  EXPECT_EQ(full.error().code, ENOSPC);
  EXPECT_EQ(full.error().detail.view().substr(0, 10), "disk full:");
  EXPECT_TRUE(storage.append(*file, as_bytes("c")).ok()) << "once";
  storage.set_capacity(4);
  EXPECT_EQ(storage.append(*file, as_bytes("ddd")).error().code, ENOSPC);
  EXPECT_TRUE(storage.append(*file, as_bytes("dd")).ok());
  storage.close(*file);
  EXPECT_EQ(storage.content("/d/f"), "acdd") << "a refused append writes nothing";
  storage.fail_always(Op::SyncDirectory, EIO);
  EXPECT_EQ(storage.sync_directory("/d").error().code, EIO);
  EXPECT_EQ(storage.sync_directory("/d").error().code, EIO);
  storage.fail_always(Op::SyncDirectory, 0);
  EXPECT_TRUE(storage.sync_directory("/d").ok());
}

TEST(MemoryStorage, ListsADirectoryAsASnapshotAndClosesIt) {
  MemoryStorage storage;
  storage.put_directory("/d");
  storage.put_directory("/d/sub");
  storage.put_file("/d/a", "");
  storage.put_file("/d/b", "");
  hal::DirectoryReader reader(storage);
  ASSERT_TRUE(reader.open("/d").ok());
  EXPECT_EQ(storage.open_directories(), 1u);
  hal::DirectoryEntry entry;
  std::string seen;
  while (reader.next(entry)) {
    seen += std::string(entry.name.view()) + (entry.is_directory ? "/ " : " ");
    (void)storage.remove("/d/a");  // removals after open do not change the snapshot
  }
  EXPECT_TRUE(reader.status().ok());
  EXPECT_EQ(seen, "sub/ b a ") << "reverse order, so no caller relies on an order";
  EXPECT_EQ(storage.open_directories(), 0u) << "the reader closes at the end";

  EXPECT_EQ(storage.open_directory("/d/none").status(), Status::FileNotFound);
  EXPECT_EQ(storage.open_directory("/d/b").error().code, ENOTDIR);
  storage.fail(Op::NextEntry, 2, EIO);
  ASSERT_TRUE(reader.open("/d").ok());
  EXPECT_TRUE(reader.next(entry));
  EXPECT_FALSE(reader.next(entry));
  EXPECT_EQ(reader.status().error().code, EIO);
  EXPECT_EQ(storage.open_directories(), 0u);
  EXPECT_EQ(storage.next_entry(hal::DirectoryHandle{}, entry).status(), Status::InvalidArgument);
}

TEST(MemoryStorage, ReportsThePortableStatusesWithTheErrno) {
  MemoryStorage storage;
  storage.put_directory("/d");
  storage.put_directory("/d/full");
  storage.put_file("/d/full/x", "");
  storage.put_file("/d/f", "");
  EXPECT_EQ(storage.create_new("/d/f").status(), Status::FileExists);
  EXPECT_EQ(storage.remove("/d/full").status(), Status::DirectoryNotEmpty);
  EXPECT_EQ(storage.remove("/d/none").status(), Status::FileNotFound);
  storage.fail(Op::Append, 1, EDQUOT);
  auto file = storage.create_new("/d/g");
  ASSERT_TRUE(file.ok());
  const auto full = storage.append(*file, as_bytes("x"));
  EXPECT_EQ(full.status(), Status::NoSpace);
  EXPECT_EQ(full.error().code, EDQUOT);
  EXPECT_EQ(full.error().detail.view().substr(0, 11), "disk full: ");
  storage.close(*file);
}

}  // namespace
}  // namespace lsedge::testing
