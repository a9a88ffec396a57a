// What the spool's unit tests share: a Spool over an in-memory storage, and a listing of what it
// wrote. Thread-safety: one test thread.
#pragma once

#include <map>
#include <string>

#include "firmware/spool/spool.h"
#include "tests/fakes/capture_log.h"
#include "tests/fakes/fake_entropy.h"
#include "tests/fakes/memory_storage.h"

namespace lsedge::spool::test {

inline constexpr char kSpoolDir[] = "/data/spool";

// Every file under DIR/<sub>/ (path relative to DIR -> content).
inline std::map<std::string, std::string> files_under(const testing::MemoryStorage& storage,
                                                      const std::string& sub) {
  std::map<std::string, std::string> out;
  const std::string dir = kSpoolDir;
  const std::string prefix = dir + "/" + sub + "/";
  for (const auto& [path, content] : storage.snapshot()) {
    if (path.compare(0, prefix.size(), prefix) == 0 && path.back() != '/') {
      out[path.substr(dir.size() + 1)] = content;
    }
  }
  return out;
}

// A consumer-to-be over empty /data (the spool's parent) and /in (the caller's files).
struct SpoolFixture {
  testing::MemoryStorage storage;
  testing::FakeEntropy entropy;
  testing::CaptureLog log;
  Spool spool{storage, entropy, Logger(&log, "spool")};
  SpoolFixture() {
    storage.put_directory("/data");
    storage.put_directory("/in");
  }
};

}  // namespace lsedge::spool::test
