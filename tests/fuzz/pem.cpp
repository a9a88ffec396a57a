// The PEM reader: any file, read through a buffer of 2 bytes to 4 KiB. Checked: no crash or
// sanitizer report; every block is NUL-terminated inside the buffer, starts with a BEGIN line and
// holds an END line; the reader ends (no endless loop) and blocks never overlap the NUL.
#include <string>
#include <string_view>
#include <vector>

#include "firmware/app/pem_file.h"
#include "tests/fakes/memory_storage.h"
#include "tests/fuzz/fuzz_rig.h"

namespace lsedge::fuzz {
namespace {

void read_all(FuzzedDataProvider& input, const std::string& file) {
  const size_t buffer_size =
      input.ConsumeBool() ? 4096 : input.ConsumeIntegralInRange<size_t>(1, 300);
  testing::MemoryStorage storage;
  storage.put_file("/ca.pem", file);
  std::vector<uint8_t> buffer(buffer_size);
  app::PemFileSource source(storage, ByteSpan(buffer.data(), buffer.size()));
  if (!source.open("/ca.pem").ok()) {
    return;
  }
  for (size_t blocks = 0;; ++blocks) {
    LSEDGE_FUZZ_CHECK(blocks <= file.size());
    const Result<ConstByteSpan> block = source.next();
    if (!block.ok() || block->empty()) {
      break;
    }
    LSEDGE_FUZZ_CHECK(block->data() >= buffer.data());
    LSEDGE_FUZZ_CHECK(block->data() + block->size() <= buffer.data() + buffer.size());
    LSEDGE_FUZZ_CHECK((*block)[block->size() - 1] == 0);
    const std::string_view text(reinterpret_cast<const char*>(block->data()), block->size() - 1);
    LSEDGE_FUZZ_CHECK(text.rfind("-----BEGIN", 0) == 0);
    LSEDGE_FUZZ_CHECK(text.find("-----END") != std::string_view::npos);
  }
  source.close();
}

}  // namespace
}  // namespace lsedge::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  lsedge::fuzz::read_all(input, std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
