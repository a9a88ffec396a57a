#include "platform/linux/linux_storage.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <string>
#include <vector>

#include <config.h>  // board sizes

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
    for (const auto& file : files_) {
      unlink(file.c_str());
    }
    rmdir(dir_.c_str());
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

TEST_F(LinuxStorageTest, MissingFileIsFileErrorWithErrnoAndPath) {
  const std::string path = dir_ + "/missing.env";
  uint8_t buffer[16];
  const auto read = storage_.read_file(path, buffer);
  ASSERT_EQ(read.status(), Status::FileError);
  EXPECT_EQ(read.error().code, ENOENT);
  EXPECT_EQ(read.error().detail.view(), path);
}

TEST_F(LinuxStorageTest, DirectoryIsFileError) {
  uint8_t buffer[16];
  const auto read = storage_.read_file(dir_, buffer);
  ASSERT_EQ(read.status(), Status::FileError);
  EXPECT_EQ(read.error().code, EISDIR);
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

}  // namespace
}  // namespace lsedge::platform
