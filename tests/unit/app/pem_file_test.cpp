// PemFileSource: certificates come out one PEM block at a time whatever the buffer boundaries,
// junk between blocks is skipped, and blocks larger than the buffer are skipped and counted.
#include "firmware/app/pem_file.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <random>
#include <string>
#include <vector>

#include "tests/fakes/memory_storage.h"

namespace lsedge::app {
namespace {

using lsedge::testing::MemoryStorage;

std::string block(char fill, size_t lines) {
  std::string body = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < lines; ++i) {
    body += std::string(64, fill) + "\n";
  }
  return body + "-----END CERTIFICATE-----";
}

// Every block next() returns, without its NUL (checked to be there), until the end.
std::vector<std::string> drain(PemFileSource& source) {
  std::vector<std::string> blocks;
  for (int guard = 0; guard < 1000; ++guard) {
    auto next = source.next();
    EXPECT_TRUE(next.ok()) << status_name(next.status());
    if (!next.ok() || next->empty()) {
      break;
    }
    EXPECT_EQ((*next)[next->size() - 1], 0);
    blocks.emplace_back(reinterpret_cast<const char*>(next->data()), next->size() - 1);
  }
  return blocks;
}

TEST(PemFileSource, BlocksComeOutWholeAcrossEveryBufferSize) {
  const std::string a = block('A', 3);
  const std::string b = block('B', 5);
  const std::string c = block('C', 1);
  const std::string file = "# bundle\r\n" + a + "\r\n\r\njunk text\n" + b + "\n" + c + "\n";
  for (size_t size = b.size() + 1; size <= file.size() + 2; ++size) {
    MemoryStorage storage;
    storage.put_file("/ca.pem", file);
    std::vector<uint8_t> buffer(size);
    PemFileSource source(storage, ByteSpan(buffer.data(), buffer.size()));
    ASSERT_TRUE(source.open("/ca.pem").ok());
    const std::vector<std::string> blocks = drain(source);
    ASSERT_EQ(blocks.size(), 3u) << "buffer " << size;
    EXPECT_EQ(blocks[0], a);
    EXPECT_EQ(blocks[1], b);
    EXPECT_EQ(blocks[2], c);
    EXPECT_EQ(source.oversized(), 0u);
  }
}

TEST(PemFileSource, OversizedBlocksAreSkippedAndCounted) {
  const std::string small = block('s', 2);
  const std::string big = block('B', 40);
  MemoryStorage storage;
  storage.put_file("/ca.pem", small + "\n" + big + "\n" + small + "\n");
  std::vector<uint8_t> buffer(small.size() + 40);
  PemFileSource source(storage, ByteSpan(buffer.data(), buffer.size()));
  ASSERT_TRUE(source.open("/ca.pem").ok());
  const std::vector<std::string> blocks = drain(source);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0], small);
  EXPECT_EQ(blocks[1], small);
  EXPECT_EQ(source.oversized(), 1u);
}

TEST(PemFileSource, EmptyJunkAndTruncatedFilesEndCleanly) {
  for (const std::string& file :
       {std::string(), std::string("no certificates here\n"), block('x', 2).substr(0, 50),
        std::string("-----BEGIN CERTIFICATE-----")}) {
    MemoryStorage storage;
    storage.put_file("/ca.pem", file);
    std::vector<uint8_t> buffer(256);
    PemFileSource source(storage, ByteSpan(buffer.data(), buffer.size()));
    ASSERT_TRUE(source.open("/ca.pem").ok());
    EXPECT_TRUE(drain(source).empty()) << file;
  }
}

// Random bundles: random junk between blocks of random sizes, random buffer sizes. Every block
// that fits comes out, in order; every other one is counted as oversized.
TEST(PemFileSource, RandomBundlesAgreeWithAReferenceSplit) {
  std::mt19937 random(20261129);
  for (int round = 0; round < 300; ++round) {
    const size_t buffer_size = 80 + random() % 700;
    std::string file;
    std::vector<std::string> expected;
    size_t oversized = 0;
    const int blocks = static_cast<int>(random() % 6);
    for (int b = 0; b < blocks; ++b) {
      const std::string junk_chars = "abc -\r\n#=";
      for (size_t j = random() % 90; j > 0; --j) {
        file += junk_chars[random() % junk_chars.size()];
      }
      const std::string one = block(static_cast<char>('A' + b), random() % 12);
      file += one;
      if (one.size() + 1 <= buffer_size) {
        expected.push_back(one);
      } else {
        ++oversized;
      }
    }
    file += std::string(random() % 40, '\n');
    MemoryStorage storage;
    storage.put_file("/ca.pem", file);
    std::vector<uint8_t> buffer(buffer_size);
    PemFileSource source(storage, ByteSpan(buffer.data(), buffer.size()));
    ASSERT_TRUE(source.open("/ca.pem").ok());
    EXPECT_EQ(drain(source), expected) << "round " << round << ", buffer " << buffer_size;
    EXPECT_EQ(source.oversized(), oversized) << "round " << round;
  }
}

TEST(PemFileSource, ReadErrorsAndMissingFilesAreReported) {
  MemoryStorage storage;
  std::vector<uint8_t> buffer(256);
  PemFileSource source(storage, ByteSpan(buffer.data(), buffer.size()));
  EXPECT_FALSE(source.open("/missing.pem").ok());
  EXPECT_EQ(source.next().status(), Status::InvalidArgument);
  storage.put_file("/ca.pem", block('a', 2));
  ASSERT_TRUE(source.open("/ca.pem").ok());
  storage.fail(MemoryStorage::Op::ReadAt, 1, EIO);
  EXPECT_FALSE(source.next().ok());
}

TEST(PemFileSource, ErrorsNameTheSettingThePathAndWhatToDo) {
  MemoryStorage storage;
  std::vector<uint8_t> buffer(256);
  PemFileSource source(storage, ByteSpan(buffer.data(), buffer.size()));
  EXPECT_EQ(source.rewind().status(), Status::InvalidArgument);  // before open
  Outcome setting = source.open("/etc/lsedge/ca.pem");
  EXPECT_EQ(setting.status(), Status::ConfigInvalid);
  EXPECT_EQ(setting.error().detail.view(),
            "cannot read LABEL_STUDIO_CA_FILE /etc/lsedge/ca.pem: no such file or directory");
  EXPECT_EQ(setting.error().code, ENOENT);
  Outcome bundle = source.open("/etc/ssl/certs/ca-certificates.crt", CaFileOrigin::SystemBundle);
  EXPECT_EQ(bundle.status(), Status::ConfigInvalid);
  EXPECT_NE(bundle.error().detail.view().find("cannot read the system CA bundle "
                                              "/etc/ssl/certs/ca-certificates.crt: no such file"),
            std::string_view::npos);
  EXPECT_NE(bundle.error().detail.view().find("install the ca-certificates package, or set "
                                              "LABEL_STUDIO_CA_FILE"),
            std::string_view::npos);
  // A read error names the file too.
  storage.put_file("/ca.pem", block('a', 2));
  ASSERT_TRUE(source.open("/ca.pem").ok());
  storage.fail(MemoryStorage::Op::ReadAt, 1, EIO);
  const auto failed = source.next();
  EXPECT_EQ(failed.status(), Status::ConfigInvalid);
  EXPECT_EQ(failed.error().detail.view(),
            "cannot read LABEL_STUDIO_CA_FILE /ca.pem: a read or write error");
  EXPECT_EQ(failed.error().code, EIO);
  // A path longer than LSEDGE_PATH_CAPACITY is refused, not cut.
  EXPECT_EQ(source.open(std::string(LSEDGE_PATH_CAPACITY + 1, 'a')).status(),
            Status::InvalidArgument);
}

TEST(PemFileSource, RewindReadsTheFileAgainFromItsStart) {
  MemoryStorage storage;
  storage.put_file("/ca.pem", block('a', 2) + block('b', 40));
  std::vector<uint8_t> buffer(512);
  PemFileSource source(storage, ByteSpan(buffer.data(), buffer.size()));
  ASSERT_TRUE(source.open("/ca.pem").ok());
  EXPECT_EQ(drain(source), std::vector<std::string>{block('a', 2)});
  EXPECT_EQ(source.oversized(), 1u);
  ASSERT_TRUE(source.rewind().ok());
  EXPECT_EQ(source.oversized(), 0u);
  ASSERT_TRUE(source.next().ok());  // half way through, then from the start again
  ASSERT_TRUE(source.rewind().ok());
  EXPECT_EQ(drain(source), std::vector<std::string>{block('a', 2)});
  // A replaced file (update-ca-certificates renames a new one into place) is read from then on.
  storage.put_file("/ca.pem", block('c', 1) + block('d', 3));
  ASSERT_TRUE(source.rewind().ok());
  EXPECT_EQ(drain(source), (std::vector<std::string>{block('c', 1), block('d', 3)}));
  EXPECT_EQ(source.oversized(), 0u);
  // Gone: rewind says so, and works again once the file is back.
  ASSERT_TRUE(storage.remove("/ca.pem").ok());
  EXPECT_EQ(source.rewind().status(), Status::ConfigInvalid);
  EXPECT_EQ(source.next().status(), Status::InvalidArgument);
  storage.put_file("/ca.pem", block('e', 1));
  ASSERT_TRUE(source.rewind().ok());
  EXPECT_EQ(drain(source), std::vector<std::string>{block('e', 1)});
}

}  // namespace
}  // namespace lsedge::app
