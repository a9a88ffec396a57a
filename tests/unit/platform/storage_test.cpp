#include "platform/linux/linux_storage.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "board_sizes.h"
#include "platform/linux/errno_status.h"

namespace lsedge::platform {
namespace {

class LinuxStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/lsedge-storage-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string make_file(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    files_.push_back(path);
    return path;
  }

  LinuxStorage storage_;
  std::string dir_;
  std::vector<std::string> files_;
};

TEST_F(LinuxStorageTest, ReadsTheWholeFile) {
  const std::string content = "LABEL_STUDIO_URL=http://127.0.0.1:8080\nX=\xC3\xA9\n";
  const std::string path = make_file(".env", content);
  std::vector<uint8_t> buffer(1024, 0xAA);
  const auto read = storage_.read_file(path, ByteSpan(buffer.data(), buffer.size()));
  ASSERT_TRUE(read.ok()) << status_name(read.status());
  ASSERT_EQ(*read, content.size());
  EXPECT_EQ(std::string(buffer.begin(), buffer.begin() + static_cast<long>(*read)), content);
}

TEST_F(LinuxStorageTest, ReadsAFileThatFillsTheBufferExactly) {
  const std::string path = make_file("exact", std::string(64, 'x'));
  std::vector<uint8_t> buffer(64);
  const auto read = storage_.read_file(path, ByteSpan(buffer.data(), buffer.size()));
  ASSERT_TRUE(read.ok()) << status_name(read.status());
  EXPECT_EQ(*read, 64u);
}

TEST_F(LinuxStorageTest, ReadsAnEmptyFile) {
  const std::string path = make_file("empty", "");
  uint8_t buffer[8];
  const auto read = storage_.read_file(path, buffer);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, 0u);
}

TEST_F(LinuxStorageTest, FileLargerThanTheBufferIsBufferTooSmallAndWiped) {
  const std::string path = make_file("big", std::string(65, 's'));
  std::vector<uint8_t> buffer(64, 0);
  const auto read = storage_.read_file(path, ByteSpan(buffer.data(), buffer.size()));
  ASSERT_EQ(read.status(), Status::BufferTooSmall);
  EXPECT_EQ(read.error().detail.view(), path);
  EXPECT_EQ(std::count(buffer.begin(), buffer.end(), 's'), 0) << "partial content left behind";
}

TEST_F(LinuxStorageTest, MissingFileIsFileNotFoundWithErrnoAndPath) {
  const std::string path = dir_ + "/missing.env";
  uint8_t buffer[16];
  const auto read = storage_.read_file(path, buffer);
  ASSERT_EQ(read.status(), Status::FileNotFound);
  EXPECT_EQ(read.error().code, ENOENT);
  EXPECT_EQ(read.error().detail.view(), path);
}

TEST_F(LinuxStorageTest, DirectoryIsNotARegularFileNamingThePath) {
  uint8_t buffer[16];
  const auto read = storage_.read_file(dir_, buffer);
  ASSERT_EQ(read.status(), Status::NotARegularFile);
  EXPECT_EQ(read.error().detail.view(), dir_);
  EXPECT_EQ(storage_.open_read(dir_).status(), Status::NotARegularFile);
}

TEST_F(LinuxStorageTest, FifoAndDeviceAreRefusedWithoutBlocking) {
  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  uint8_t buffer[16];
  // Without O_NONBLOCK these would wait forever for a writer / read /dev/zero without end.
  EXPECT_EQ(storage_.read_file(fifo, buffer).status(), Status::NotARegularFile);
  EXPECT_EQ(storage_.open_read(fifo).status(), Status::NotARegularFile);
  EXPECT_EQ(storage_.read_file("/dev/zero", buffer).status(), Status::NotARegularFile);
  EXPECT_EQ(storage_.open_read("/dev/null").status(), Status::NotARegularFile);
}

TEST_F(LinuxStorageTest, InfoTellsKindModeOwnerAndSize) {
  const std::string path = make_file("f", "12345");
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  const auto file = storage_.info(path);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->kind, hal::FileInfo::Kind::Regular);
  EXPECT_EQ(file->mode, 0640u);
  EXPECT_EQ(file->owner_uid, static_cast<uint32_t>(::geteuid()));
  EXPECT_EQ(file->owner_uid, storage_.caller_uid());
  EXPECT_EQ(file->size, 5u);
  // The modification time, by the wall clock (what `status` shows as an entry's age).
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_LE(file->modified_unix_seconds, now);
  EXPECT_GE(file->modified_unix_seconds, now - 60);
  EXPECT_EQ(storage_.info(dir_)->kind, hal::FileInfo::Kind::Directory);
  EXPECT_EQ(storage_.info("/dev/null")->kind, hal::FileInfo::Kind::Other);
  EXPECT_EQ(storage_.info(dir_ + "/missing").status(), Status::FileNotFound);
}

TEST_F(LinuxStorageTest, LockFileIsExclusiveAcrossOpenFilesAndReleasedByClose) {
  const std::string path = make_file("lock", std::string(8, '-'));
  const auto first = storage_.lock_file(path, hal::LockWait::NoWait);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->valid());
  const auto second = storage_.lock_file(path, hal::LockWait::NoWait);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->valid()) << "a second open file must not get the lock";
  // The holder overwrites in place and reads back.
  const uint8_t record[] = {'a', 'b', 'c'};
  ASSERT_TRUE(storage_.write_at(*first, 2, record).ok());
  uint8_t back[8] = {};
  ASSERT_EQ(*storage_.read_at(*first, 0, back), 8u);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(back), 8), "--abc---");
  storage_.close(*first);
  const auto third = storage_.lock_file(path, hal::LockWait::NoWait);
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(third->valid()) << "close() releases the lock";
  storage_.close(*third);
  EXPECT_EQ(storage_.lock_file(dir_, hal::LockWait::NoWait).status(), Status::NotARegularFile);
  EXPECT_EQ(storage_.lock_file(dir_ + "/none", hal::LockWait::NoWait).status(),
            Status::FileNotFound);
}

TEST_F(LinuxStorageTest, RejectsEmptyOverlongAndNulPaths) {
  uint8_t buffer[16];
  EXPECT_EQ(storage_.read_file("", buffer).status(), Status::InvalidArgument);
  EXPECT_EQ(storage_.read_file(std::string(LSEDGE_PATH_CAPACITY + 1, 'a'), buffer).status(),
            Status::InvalidArgument);
  const std::string path = make_file("nul", "x");
  const std::string with_nul = path + std::string(1, '\0') + "ignored";
  EXPECT_EQ(storage_.read_file(with_nul, buffer).status(), Status::InvalidArgument);
}

// --- streaming files and directories ------------------------------------------------------

std::string read_all(hal::Storage& storage, const std::string& path) {
  auto file = storage.open_read(path);
  EXPECT_TRUE(file.ok()) << file.error().detail.view();
  if (!file.ok()) {
    return {};
  }
  std::string out;
  uint8_t chunk[7];
  for (;;) {
    auto got = storage.read_at(*file, out.size(), chunk);
    EXPECT_TRUE(got.ok());
    if (!got.ok() || *got == 0) {
      break;
    }
    out.append(reinterpret_cast<const char*>(chunk), *got);
  }
  storage.close(*file);
  return out;
}

// Reads `directory` with a DirectoryReader: 1 per file sighting, 10 per directory sighting.
// Stops after `stop_after` entries when it is not 0.
struct Collect {
  Outcome list(hal::Storage& storage, const std::string& directory) {
    hal::DirectoryReader reader(storage);
    LSEDGE_TRY(reader.open(directory));
    hal::DirectoryEntry entry;
    while (reader.next(entry)) {
      ++calls;
      entries[std::string(entry.name.view())] += entry.is_directory ? 10 : 1;
      if (stop_after != 0 && calls == stop_after) {
        return {};
      }
    }
    return reader.status();
  }
  std::map<std::string, int> entries;
  int calls = 0;
  int stop_after = 0;
};

TEST_F(LinuxStorageTest, CreateAppendSyncThenReadBackAtOffsets) {
  const std::string path = dir_ + "/entry.json";
  auto file = storage_.create_new(path);
  ASSERT_TRUE(file.ok()) << file.error().detail.view();
  ASSERT_TRUE(storage_.append(*file, as_bytes("[{\"a\":1},")).ok());
  ASSERT_TRUE(storage_.append(*file, as_bytes("{\"b\":2}]")).ok());
  ASSERT_TRUE(storage_.append(*file, ConstByteSpan()).ok());
  ASSERT_TRUE(storage_.sync(*file).ok());
  auto size = storage_.size(*file);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 17u);
  storage_.close(*file);

  EXPECT_EQ(read_all(storage_, path), "[{\"a\":1},{\"b\":2}]");
  auto reader = storage_.open_read(path);
  ASSERT_TRUE(reader.ok());
  uint8_t buffer[4];
  auto got = storage_.read_at(*reader, 9, buffer);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(buffer), *got), "{\"b\"");
  auto at_end = storage_.read_at(*reader, 17, buffer);
  ASSERT_TRUE(at_end.ok());
  EXPECT_EQ(*at_end, 0u) << "end of file";
  auto past_end = storage_.read_at(*reader, 1000, buffer);
  ASSERT_TRUE(past_end.ok());
  EXPECT_EQ(*past_end, 0u);
  storage_.close(*reader);
}

// Sets the process umask for one scope (tests run one at a time in their process).
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : saved_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(saved_); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t saved_;
};

// A spool shared through a group: the umask decides the owner's and the group's bits, others
// never get any (issue #13).
TEST_F(LinuxStorageTest, NewFilesAndDirectoriesTakeTheUmaskButNeverOthers) {
  struct Case {
    mode_t umask;
    unsigned file_mode;
    unsigned directory_mode;
  };
  const Case cases[] = {{077, 0600, 0700}, {027, 0640, 0750}, {022, 0640, 0750},
                        {007, 0660, 0770}, {002, 0660, 0770}, {000, 0660, 0770}};
  int n = 0;
  for (const Case& c : cases) {
    const ScopedUmask mask(c.umask);
    const std::string file = dir_ + "/file" + std::to_string(n);
    const std::string sub = dir_ + "/dir" + std::to_string(n++);
    auto created = storage_.create_new(file);
    ASSERT_TRUE(created.ok());
    storage_.close(*created);
    ASSERT_TRUE(storage_.make_directory(sub).ok());
    struct stat st;
    ASSERT_EQ(stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, c.file_mode) << "umask " << std::oct << c.umask;
    ASSERT_EQ(stat(sub.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, c.directory_mode) << "umask " << std::oct << c.umask;
  }
}

// In a setgid directory (how a shared spool is set up) new directories stay setgid and in its
// group, so entries made by either user remain the group's.
TEST_F(LinuxStorageTest, DirectoriesMadeInASetgidDirectoryKeepItsGroup) {
  const ScopedUmask mask(007);
  const std::string shared = dir_ + "/shared";
  ASSERT_EQ(::mkdir(shared.c_str(), 0770), 0);
  ASSERT_EQ(::chmod(shared.c_str(), 02770), 0);
  struct stat parent;
  ASSERT_EQ(stat(shared.c_str(), &parent), 0);
  ASSERT_TRUE(storage_.make_directory(shared + "/queue").ok());
  auto file = storage_.create_new(shared + "/queue/entry");
  ASSERT_TRUE(file.ok());
  storage_.close(*file);
  struct stat st;
  ASSERT_EQ(stat((shared + "/queue").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 02770u);
  EXPECT_EQ(st.st_gid, parent.st_gid);
  ASSERT_EQ(stat((shared + "/queue/entry").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  EXPECT_EQ(st.st_gid, parent.st_gid);
}

TEST_F(LinuxStorageTest, NewFilesAreOwnerOnlyUnderUmask077AndDescriptorsCloseOnExec) {
  const ScopedUmask mask(077);
  const std::string path = dir_ + "/secret";
  auto file = storage_.create_new(path);
  ASSERT_TRUE(file.ok());
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(fcntl(file->value, F_GETFD) & FD_CLOEXEC, 0) << "the handle is the descriptor";
  storage_.close(*file);
  auto reader = storage_.open_read(path);
  ASSERT_TRUE(reader.ok());
  EXPECT_NE(fcntl(reader->value, F_GETFD) & FD_CLOEXEC, 0);
  storage_.close(*reader);
  EXPECT_EQ(fcntl(reader->value, F_GETFD), -1) << "close releases the descriptor";
}

TEST_F(LinuxStorageTest, CreateNewRefusesAnExistingFile) {
  const std::string path = make_file("taken", "old");
  auto file = storage_.create_new(path);
  ASSERT_EQ(file.status(), Status::FileExists);
  EXPECT_EQ(file.error().code, EEXIST);
  EXPECT_EQ(file.error().detail.view(), path);
  EXPECT_EQ(read_all(storage_, path), "old");
}

TEST_F(LinuxStorageTest, HandleCallsRefuseInvalidHandlesAndWrongModes) {
  uint8_t buffer[4];
  const hal::FileHandle invalid;
  EXPECT_EQ(storage_.read_at(invalid, 0, buffer).status(), Status::InvalidArgument);
  EXPECT_EQ(storage_.append(invalid, as_bytes("x")).status(), Status::InvalidArgument);
  EXPECT_EQ(storage_.size(invalid).status(), Status::InvalidArgument);
  EXPECT_EQ(storage_.sync(invalid).status(), Status::InvalidArgument);
  storage_.close(invalid);  // harmless

  auto writer = storage_.create_new(dir_ + "/w");
  ASSERT_TRUE(writer.ok());
  auto read = storage_.read_at(*writer, 0, buffer);
  ASSERT_EQ(read.status(), Status::FileError) << "a write handle cannot be read";
  EXPECT_EQ(read.error().code, EBADF);
  EXPECT_EQ(read.error().detail.view(), "file handle " + std::to_string(writer->value));
  storage_.close(*writer);
  auto reader = storage_.open_read(dir_ + "/w");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(storage_.append(*reader, as_bytes("x")).error().code, EBADF);
  storage_.close(*reader);
}

TEST_F(LinuxStorageTest, EveryPathCallRefusesEmptyNulAndOverlongPaths) {
  const std::string overlong(LSEDGE_PATH_CAPACITY + 1, 'a');
  const std::string with_nul = dir_ + std::string(1, '\0') + "x";
  Collect collect;
  for (const std::string& bad : {std::string(), overlong, with_nul}) {
    EXPECT_EQ(storage_.open_read(bad).status(), Status::InvalidArgument);
    EXPECT_EQ(storage_.create_new(bad).status(), Status::InvalidArgument);
    EXPECT_EQ(storage_.rename(bad, dir_ + "/x").status(), Status::InvalidArgument);
    EXPECT_EQ(storage_.rename(dir_ + "/x", bad).status(), Status::InvalidArgument);
    EXPECT_EQ(storage_.remove(bad).status(), Status::InvalidArgument);
    EXPECT_EQ(storage_.make_directory(bad).status(), Status::InvalidArgument);
    EXPECT_EQ(storage_.sync_directory(bad).status(), Status::InvalidArgument);
    EXPECT_EQ(collect.list(storage_, bad).status(), Status::InvalidArgument);
    EXPECT_EQ(storage_.exists(bad).status(), Status::InvalidArgument);
  }
  EXPECT_EQ(collect.calls, 0);
}

TEST_F(LinuxStorageTest, RenameReplacesFilesAndEmptyDirectoriesButNotFullOnes) {
  const std::string a = make_file("a", "A");
  const std::string b = make_file("b", "B");
  ASSERT_TRUE(storage_.rename(a, b).ok());
  EXPECT_EQ(read_all(storage_, b), "A");
  EXPECT_FALSE(*storage_.exists(a));

  const std::string staged = dir_ + "/staged";
  const std::string empty = dir_ + "/empty";
  const std::string full = dir_ + "/full";
  ASSERT_TRUE(storage_.make_directory(staged).ok());
  ASSERT_TRUE(storage_.make_directory(empty).ok());
  ASSERT_TRUE(storage_.make_directory(full).ok());
  make_file("staged/x", "x");
  make_file("full/y", "y");
  ASSERT_TRUE(storage_.rename(staged, empty).ok()) << "an empty directory is replaced";
  EXPECT_EQ(read_all(storage_, empty + "/x"), "x");
  const auto refused = storage_.rename(empty, full);
  ASSERT_EQ(refused.status(), Status::DirectoryNotEmpty);
  EXPECT_TRUE(refused.error().code == ENOTEMPTY || refused.error().code == EEXIST);
  EXPECT_EQ(refused.error().detail.view(), full) << "the target is the problem";
  const auto missing = storage_.rename(dir_ + "/nothing", dir_ + "/z");
  EXPECT_EQ(missing.status(), Status::FileNotFound);
  EXPECT_EQ(missing.error().code, ENOENT);
  EXPECT_EQ(missing.error().detail.view(), dir_ + "/nothing");
}

TEST_F(LinuxStorageTest, LinkGivesTheFileASecondNameFollowingSymbolicLinks) {
  const std::string a = make_file("a.jpg", "JPEG");
  const std::string b = dir_ + "/b.jpg";
  ASSERT_TRUE(storage_.link(a, b).ok());
  EXPECT_EQ(read_all(storage_, b), "JPEG");
  struct stat sa {};
  struct stat sb {};
  ASSERT_EQ(stat(a.c_str(), &sa), 0);
  ASSERT_EQ(stat(b.c_str(), &sb), 0);
  EXPECT_EQ(sa.st_ino, sb.st_ino) << "the same file";
  EXPECT_EQ(sa.st_nlink, 2u);
  ASSERT_TRUE(storage_.remove(b).ok());
  EXPECT_EQ(read_all(storage_, a), "JPEG") << "removing the link keeps the file";

  const std::string symlink_path = dir_ + "/latest.jpg";
  ASSERT_EQ(symlink(a.c_str(), symlink_path.c_str()), 0);
  const std::string c = dir_ + "/c.jpg";
  ASSERT_TRUE(storage_.link(symlink_path, c).ok());
  struct stat sc {};
  ASSERT_EQ(lstat(c.c_str(), &sc), 0);
  EXPECT_TRUE(S_ISREG(sc.st_mode)) << "the file, not the symbolic link";
  EXPECT_EQ(sc.st_ino, sa.st_ino);

  const auto taken = storage_.link(a, c);
  EXPECT_EQ(taken.status(), Status::FileExists);
  EXPECT_EQ(taken.error().detail.view(), c);
  const auto missing = storage_.link(dir_ + "/nothing", dir_ + "/d");
  EXPECT_EQ(missing.status(), Status::FileNotFound);
  EXPECT_FALSE(storage_.link(dir_, dir_ + "/e").ok()) << "a directory has no hard links";
  auto info = storage_.info(a);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->group_gid, sa.st_gid);
}

TEST_F(LinuxStorageTest, RemoveUnlinksFilesAndRemovesOnlyEmptyDirectories) {
  const std::string file = make_file("f", "f");
  const std::string sub = dir_ + "/sub";
  ASSERT_TRUE(storage_.make_directory(sub).ok());
  make_file("sub/inner", "i");
  const auto not_empty = storage_.remove(sub);
  ASSERT_EQ(not_empty.status(), Status::DirectoryNotEmpty);
  EXPECT_TRUE(not_empty.error().code == ENOTEMPTY || not_empty.error().code == EEXIST);
  ASSERT_TRUE(storage_.remove(sub + "/inner").ok());
  ASSERT_TRUE(storage_.remove(sub).ok());
  ASSERT_TRUE(storage_.remove(file).ok());
  EXPECT_FALSE(*storage_.exists(sub));
  EXPECT_FALSE(*storage_.exists(file));
  const auto missing = storage_.remove(file);
  EXPECT_EQ(missing.status(), Status::FileNotFound);
  EXPECT_EQ(missing.error().code, ENOENT);
  EXPECT_EQ(missing.error().detail.view(), file);
}

TEST_F(LinuxStorageTest, MakeDirectoryIsOwnerOnlyUnderUmask077AndIdempotent) {
  const ScopedUmask mask(077);
  const std::string sub = dir_ + "/spool";
  ASSERT_TRUE(storage_.make_directory(sub).ok());
  struct stat st;
  ASSERT_EQ(stat(sub.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(storage_.make_directory(sub).ok()) << "an existing directory is fine";
  const std::string file = make_file("plain", "");
  EXPECT_EQ(storage_.make_directory(file).error().code, EEXIST) << "a file is not";
  EXPECT_EQ(storage_.make_directory(file).status(), Status::FileExists);
  EXPECT_EQ(storage_.make_directory(dir_ + "/no/parent").error().code, ENOENT);
}

TEST_F(LinuxStorageTest, SyncDirectoryNeedsADirectory) {
  EXPECT_TRUE(storage_.sync_directory(dir_).ok());
  const auto missing = storage_.sync_directory(dir_ + "/missing");
  EXPECT_EQ(missing.error().code, ENOENT);
  EXPECT_EQ(missing.error().detail.view(), dir_ + "/missing");
  EXPECT_EQ(storage_.sync_directory(make_file("f", "")).error().code, ENOTDIR);
}

TEST_F(LinuxStorageTest, ListsEveryEntryOnceAcrossManyKernelBuffers) {
  // ~400 records of ~90 bytes: many getdents64 calls with the 4 KiB buffer.
  std::map<std::string, int> expected;
  for (int i = 0; i < 400; ++i) {
    const std::string name = "entry-" + std::to_string(i) + "-" + std::string(60, 'n');
    make_file(name, "");
    expected[name] = 1;
  }
  ASSERT_TRUE(storage_.make_directory(dir_ + "/a-directory").ok());
  expected["a-directory"] = 10;
  Collect collect;
  ASSERT_TRUE(collect.list(storage_, dir_).ok());
  EXPECT_EQ(collect.entries, expected) << "no '.', no '..', each once, directories flagged";
}

TEST_F(LinuxStorageTest, AReaderThatStopsEarlyClosesItsDirectory) {
  make_file("one", "");
  make_file("two", "");
  make_file("three", "");
  // More rounds than there are directory slots: each early stop must give its slot back.
  for (int round = 0; round < 3 * LSEDGE_OPEN_DIRECTORIES; ++round) {
    Collect collect;
    collect.stop_after = 2;
    ASSERT_TRUE(collect.list(storage_, dir_).ok()) << "round " << round;
    EXPECT_EQ(collect.calls, 2);
  }
  Collect collect;
  const auto missing = collect.list(storage_, dir_ + "/missing");
  EXPECT_EQ(missing.status(), Status::FileNotFound);
  EXPECT_EQ(missing.error().code, ENOENT);
  EXPECT_EQ(missing.error().detail.view(), dir_ + "/missing");
  EXPECT_EQ(collect.list(storage_, make_file("plain", "")).error().code, ENOTDIR);
}

TEST_F(LinuxStorageTest, OpenDirectoriesAreAFixedTableOfSlots) {
  std::vector<hal::DirectoryHandle> open;
  for (int i = 0; i < LSEDGE_OPEN_DIRECTORIES; ++i) {
    const auto handle = storage_.open_directory(dir_);
    ASSERT_TRUE(handle.ok()) << i;
    open.push_back(*handle);
  }
  const auto full = storage_.open_directory(dir_);
  EXPECT_EQ(full.status(), Status::BufferTooSmall) << "no slot left, and no allocation";
  storage_.close_directory(open.back());
  open.pop_back();
  const auto again = storage_.open_directory(dir_);
  ASSERT_TRUE(again.ok()) << "a closed slot is reused";
  open.push_back(*again);
  for (const hal::DirectoryHandle handle : open) {
    storage_.close_directory(handle);
  }
  hal::DirectoryEntry entry;
  EXPECT_EQ(storage_.next_entry(open.front(), entry).status(), Status::InvalidArgument)
      << "a closed handle";
  EXPECT_EQ(storage_.next_entry(hal::DirectoryHandle{}, entry).status(), Status::InvalidArgument);
  storage_.close_directory(hal::DirectoryHandle{});  // harmless
}

TEST_F(LinuxStorageTest, EntriesRemovedWhileListingDoNotDisturbTheRest) {
  std::map<std::string, int> expected;
  for (int i = 0; i < 200; ++i) {
    const std::string name = "f-" + std::to_string(i) + std::string(40, 'x');
    make_file(name, "");
    expected[name] = 1;
  }
  hal::DirectoryReader reader(storage_);
  ASSERT_TRUE(reader.open(dir_).ok());
  hal::DirectoryEntry entry;
  std::map<std::string, int> seen;
  while (reader.next(entry)) {
    seen[std::string(entry.name.view())] += 1;
    ASSERT_TRUE(storage_.remove(dir_ + "/" + std::string(entry.name.view())).ok());
  }
  ASSERT_TRUE(reader.status().ok());
  EXPECT_EQ(seen, expected) << "what the spool's cleanup loops rely on";
}

TEST(ErrnoStatus, StorageErrnosHavePortableStatuses) {
  const std::pair<int, Status> file_cases[] = {
      {ENOENT, Status::FileNotFound},
      {EEXIST, Status::FileExists},
      {ENOTEMPTY, Status::DirectoryNotEmpty},
      {ENOSPC, Status::NoSpace},
      {EDQUOT, Status::NoSpace},
      {EFBIG, Status::NoSpace},
      {EIO, Status::FileError},
      {EACCES, Status::FileAccessDenied},
      {EPERM, Status::FileAccessDenied},
      {EROFS, Status::FileAccessDenied},
      {EISDIR, Status::NotARegularFile},
      {ENOTDIR, Status::NotADirectory},
      {0, Status::FileError},
  };
  for (const auto& [err, status] : file_cases) {
    EXPECT_EQ(status_from_errno(err, ErrnoContext::File), status) << err;
  }
  EXPECT_EQ(status_from_errno(EEXIST, ErrnoContext::FileReplace), Status::DirectoryNotEmpty)
      << "rename(2) and rmdir(2) may say EEXIST for a non-empty directory";
  EXPECT_EQ(status_from_errno(ENOENT, ErrnoContext::FileReplace), Status::FileNotFound);
  const Error error = errno_error(ENOSPC, ErrnoContext::File, "/x");
  EXPECT_EQ(error.code, ENOSPC);
  EXPECT_EQ(error.detail.view(), "/x");
}

TEST_F(LinuxStorageTest, ExistsTellsMissingFromBroken) {
  const std::string file = make_file("here", "");
  EXPECT_TRUE(*storage_.exists(file));
  EXPECT_TRUE(*storage_.exists(dir_));
  EXPECT_FALSE(*storage_.exists(dir_ + "/gone"));
  EXPECT_FALSE(*storage_.exists(file + "/below-a-file")) << "ENOTDIR is 'does not exist'";
}

// A full disk cannot be made without mounting; a file size limit fails write(2) with EFBIG the
// same way, and must read as "disk full" and leave nothing of the failed append behind.
TEST_F(LinuxStorageTest, AFullDiskIsDiskFullAndTheAppendLeavesNothing) {
  auto file = storage_.create_new(dir_ + "/big");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(storage_.append(*file, as_bytes(std::string(600, 'a'))).ok());

  struct sigaction ignore {};
  struct sigaction old_action {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGXFSZ, &ignore, &old_action), 0);
  struct rlimit old_limit {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct rlimit limit = old_limit;
  limit.rlim_cur = 1000;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  const auto full = storage_.append(*file, as_bytes(std::string(600, 'b')));
  setrlimit(RLIMIT_FSIZE, &old_limit);
  sigaction(SIGXFSZ, &old_action, nullptr);

  ASSERT_EQ(full.status(), Status::NoSpace);
  EXPECT_EQ(full.error().code, EFBIG);
  EXPECT_EQ(full.error().detail.view(), "disk full: file handle " + std::to_string(file->value));
  EXPECT_EQ(*storage_.size(*file), 600u) << "the 400 bytes that fitted were cut off again";
  ASSERT_TRUE(storage_.append(*file, as_bytes("c")).ok()) << "appends go on after the failure";
  storage_.close(*file);
  EXPECT_EQ(read_all(storage_, dir_ + "/big"), std::string(600, 'a') + "c");
}

}  // namespace
}  // namespace lsedge::platform
